import { base, en, Faker } from '@faker-js/faker';
import { BODY_MAX_LENGTH } from '../../posts/entities/post.entity';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const USERNAME_BASE_MAX = 48;
const SENTENCE_WORDS = { min: 3, max: 16 } as const;

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

type PickWord = (words: readonly string[]) => string;

/** Upper-cases the first character. */
function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A fill-in-the-blanks sentence such as faker's `'We need to {{verb}} the {{noun}}!'`, split once
 * into its text and the word list for each blank, and capitalized once: filling it costs a few
 * array picks, where faker's `helpers.mustache()` builds and runs a regular expression for every
 * placeholder on every call.
 */
class Template {
  private readonly text: string[] = [];
  private readonly blanks: (readonly string[])[] = [];

  constructor(template: string, words: Readonly<Record<string, readonly string[]>>) {
    const parts = template.split(/\{\{(\w+)\}\}/);
    for (let i = 0; i < parts.length; i += 2) {
      this.text.push(parts[i]);
      if (i + 1 < parts.length) {
        const list = words[parts[i + 1]];
        if (!list?.length) {
          throw new Error(`No words for {{${parts[i + 1]}}} in "${template}"`);
        }
        this.blanks.push(list);
      }
    }
    if (this.text[0]) {
      this.text[0] = capitalize(this.text[0]);
    } else if (this.blanks.length > 0) {
      this.blanks[0] = this.blanks[0].map(capitalize);
    }
  }

  fill(pick: PickWord): string {
    let out = this.text[0];
    for (let i = 0; i < this.blanks.length; i++) {
      out += pick(this.blanks[i]) + this.text[i + 1];
    }
    return out;
  }
}

/** At most `max` Unicode code points (never splitting a surrogate pair), trimmed if cut. */
function clip(text: string, max: number): string {
  // `length` counts UTF-16 units, never fewer than code points: a short text needs no split.
  return text.length <= max ? text : [...text].slice(0, max).join('').trim();
}

/**
 * Deterministic fake data: the same seed and reference date give the same users and posts, in
 * the same order. Usernames and emails carry the row's number, so they are unique.
 *
 * Post bodies come from faker's English word lists, picked with faker's seeded generator, but
 * are put together here: a million posts through faker's own `hacker.phrase()` and
 * `lorem.sentence()` cost seconds, several times what these few picks per post do.
 */
export class FakeData {
  private readonly faker = new Faker({ locale: [en, base] });
  private readonly hackerPhrases: readonly Template[];
  private readonly catchPhrase: Template;
  private readonly interjections: readonly string[];
  private readonly loremWords: readonly string[];
  private readonly loremFirstWords: readonly string[];
  private readonly from: number;
  private readonly pick: PickWord = (words) => this.faker.helpers.arrayElement(words);

  constructor(seed: number, referenceDate: Date) {
    this.faker.seed(seed);
    const { company, hacker, lorem, word } = this.faker.definitions;
    const { abbreviation, adjective, ingverb, noun, verb } = hacker;
    const hackerWords = { abbreviation, adjective, ingverb, noun, verb };
    this.hackerPhrases = hacker.phrase.map((phrase) => new Template(phrase, hackerWords));
    // As faker's `company.catchPhrase()`: "Realigned 24 hour emulation".
    this.catchPhrase = new Template('{{adjective}} {{descriptor}} {{noun}}', {
      adjective: company.adjective,
      descriptor: company.descriptor,
      noun: company.noun,
    });
    this.interjections = word.interjection.map(capitalize);
    this.loremWords = lorem.word;
    this.loremFirstWords = lorem.word.map(capitalize);
    this.from = referenceDate.getTime() - YEAR_MS;
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
    return {
      body: clip(this.sentence(), BODY_MAX_LENGTH) || 'hello',
      timestamp: new Date(this.from + f.number.int(YEAR_MS)),
      authorIndex: f.number.int(userCount - 1),
    };
  }

  /** One of four kinds of sentence, as likely as each other. */
  private sentence(): string {
    switch (this.faker.number.int(3)) {
      case 0:
        return this.hackerPhrase();
      case 1:
        return this.catchPhrase.fill(this.pick);
      case 2:
        return this.loremSentence();
      default:
        return `${this.pick(this.interjections)}! ${this.hackerPhrase()}`;
    }
  }

  /** As faker's `hacker.phrase()`: "We need to parse the online SMTP array!" */
  private hackerPhrase(): string {
    return this.faker.helpers.arrayElement(this.hackerPhrases).fill(this.pick);
  }

  /** As faker's `lorem.sentence()`: "Tempora vitae adeo." */
  private loremSentence(): string {
    const count = this.faker.number.int(SENTENCE_WORDS);
    let text = this.pick(this.loremFirstWords);
    for (let i = 1; i < count; i++) {
      text += ` ${this.pick(this.loremWords)}`;
    }
    return `${text}.`;
  }
}
