import { charCount } from '../../common/validation/text.validators';
import { FakeData } from './fake-data';

describe('FakeData', () => {
  const reference = new Date('2026-01-01T00:00:00Z');

  it('is deterministic for a seed, and differs between seeds', () => {
    const run = (seed: number) => {
      const fake = new FakeData(seed, reference);
      return [fake.user(1), fake.user(2), fake.post(2), fake.post(2)];
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('makes valid, numbered usernames and matching emails', () => {
    const fake = new FakeData(1, reference);
    for (let n = 1; n <= 200; n++) {
      const { username, email } = fake.user(n);
      expect(username).toMatch(new RegExp(`^[A-Za-z0-9_.-]{1,48}_${n}$`));
      expect(email).toBe(`${username.toLowerCase()}@example.com`);
    }
  });

  it('makes post bodies of 1-140 characters in the year before the reference date', () => {
    const fake = new FakeData(1, reference);
    for (let i = 0; i < 500; i++) {
      const { body, timestamp, authorIndex } = fake.post(10);
      expect(charCount(body)).toBeGreaterThan(0);
      expect(charCount(body)).toBeLessThanOrEqual(140);
      expect(body.trim()).toBe(body);
      expect(body).toMatch(/^[A-Z]/);
      expect(timestamp.getTime()).toBeLessThanOrEqual(reference.getTime());
      expect(timestamp.getTime()).toBeGreaterThanOrEqual(reference.getTime() - 365 * 86_400_000);
      expect(authorIndex).toBeGreaterThanOrEqual(0);
      expect(authorIndex).toBeLessThan(10);
    }
  });

  it('varies post bodies, and clips the rare long one to 140 characters', () => {
    const fake = new FakeData(1, reference);
    const lengths = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const { body } = fake.post(10);
      lengths.set(body, charCount(body));
    }
    expect(lengths.size).toBeGreaterThan(49_000);
    expect(Math.max(...lengths.values())).toBe(140);
  });
});
