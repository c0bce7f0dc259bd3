import { base, en, Faker } from '@faker-js/faker';
import { BODY_MAX_LENGTH } from '../../posts/entities/post.entity';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const USERNAME_BASE_MAX = 48;

export interface FakeUser {
  username: string;
  email: string;
}

export interface FakePost {
  body: string;
  timestamp: Date;
  /** Index into the generated users. */
  authorIndex: number;
}

/**
 * Deterministic fake data: the same seed and reference date give the same users and posts, in
 * the same order. Usernames and emails carry the row's number, so they are unique.
 */
export class FakeData {
  private readonly faker = new Faker({ locale: [en, base] });

  constructor(
    seed: number,
    private readonly referenceDate: Date,
  ) {
    this.faker.seed(seed);
  }

  /** The `n`th user (numbering keeps names unique across runs that append). */
  user(n: number): FakeUser {
    const base = this.faker.internet
      .username()
      .replace(/[^A-Za-z0-9_.-]/g, '')
      .slice(0, USERNAME_BASE_MAX);
    const username = `${base || 'user'}_${n}`;
    return { username, email: `${username.toLowerCase()}@example.com` };
  }

  /** A post by one of `userCount` users, written some time in the year before the reference date. */
  post(userCount: number): FakePost {
    const f = this.faker;
    const sentence = f.helpers.arrayElement([
      () => f.hacker.phrase(),
      () => f.company.catchPhrase(),
      () => f.lorem.sentence({ min: 3, max: 16 }),
      () => `${f.word.interjection()}! ${f.hacker.phrase()}`,
    ])();
    return {
      body: [...sentence].slice(0, BODY_MAX_LENGTH).join('').trim() || 'hello',
      timestamp: f.date.between({
        from: this.referenceDate.getTime() - YEAR_MS,
        to: this.referenceDate,
      }),
      authorIndex: f.number.int({ min: 0, max: userCount - 1 }),
    };
  }
}
