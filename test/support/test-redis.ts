import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/** Where the test Redis is: set by `.ci/run`, or by you (see the README). */
const REDIS_URL_VARIABLE = 'TEST_REDIS_URL';

/** The Redis that TEST_REDIS_URL names; fails the test when it is not set. */
export function testRedisUrl(): string {
  const url = process.env[REDIS_URL_VARIABLE];
  if (!url) {
    throw new Error(`${REDIS_URL_VARIABLE} is not set`);
  }
  return url;
}

/**
 * `describe` for suites that need a real Redis: run when TEST_REDIS_URL is set; without it, left
 * out with a one-line notice on a laptop, but under CI (CI=true) run, so that the missing URL
 * fails them, never skips them.
 */
export function describeWithRedis(title: string, fn: () => void): void {
  if (process.env[REDIS_URL_VARIABLE] || process.env.CI === 'true') {
    describe(title, fn);
  } else {
    process.stderr.write(`notice: ${REDIS_URL_VARIABLE} is not set; leaving out "${title}"\n`);
  }
}

/**
 * A Redis key prefix of its own (for `createTestApp`'s `redisKeyPrefix`), so that test files
 * and parallel runs sharing one Redis never count into each other's keys.
 */
export function uniqueRedisKeyPrefix(): string {
  return `microblog-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** A client of the test Redis, to look at the keys the app wrote and to remove them. */
export class TestRedis {
  readonly client = new Redis(testRedisUrl(), { lazyConnect: true });

  /** The names of the keys under `prefix`. */
  keys(prefix: string): Promise<string[]> {
    return this.client.keys(`${prefix}*`);
  }

  /** Deletes the keys under `prefix` and closes the connection. */
  async removeAndClose(prefix: string): Promise<void> {
    const keys = await this.keys(prefix);
    if (keys.length > 0) {
      await this.client.del(...keys);
    }
    await this.client.quit();
  }
}
