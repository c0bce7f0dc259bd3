import { availableParallelism } from 'node:os';
import { EnvironmentError, MAX_WORKERS, validateEnvironment } from './environment';
import { DatabaseUrlError } from '../database/database-url';
import { RedisUrlError } from '../redis/redis-url';

describe('validateEnvironment', () => {
  it('defaults PORT to 3000 and leaves DATABASE_URL unset', () => {
    expect(validateEnvironment({})).toMatchObject({ PORT: 3000 });
    expect(validateEnvironment({}).DATABASE_URL).toBeUndefined();
  });

  it('reads PORT as a number and keeps DATABASE_URL', () => {
    expect(validateEnvironment({ PORT: '8080', DATABASE_URL: 'sqlite:///x.db' })).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'sqlite:///x.db',
    });
  });

  it.each(['abc', '70000', '-1', '3.5'])('rejects PORT=%s in one line naming it', (port) => {
    expect(() => validateEnvironment({ PORT: port })).toThrow(EnvironmentError);
    expect(() => validateEnvironment({ PORT: port })).toThrow(
      new RegExp(`^Invalid environment: PORT=${port.replace('.', '\\.')}: [^\\n]+$`),
    );
  });

  it('requires a CURSOR_SECRET of at least 16 characters when one is set', () => {
    expect(() => validateEnvironment({ CURSOR_SECRET: 'short' })).toThrow(/CURSOR_SECRET/);
    expect(validateEnvironment({ CURSOR_SECRET: 'a'.repeat(16) }).CURSOR_SECRET).toBe(
      'a'.repeat(16),
    );
  });

  it('rejects an unsupported DATABASE_URL', () => {
    expect(() => validateEnvironment({ DATABASE_URL: 'oracle://db' })).toThrow(DatabaseUrlError);
  });

  it('defaults the hardening settings', () => {
    expect(validateEnvironment({})).toMatchObject({
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'auto',
      SIGNUP_RATE_LIMIT: 10,
      SIGNUP_RATE_WINDOW: 600,
      REQUEST_TIMEOUT: 10_000,
      SHUTDOWN_TIMEOUT: 10_000,
    });
    expect(validateEnvironment({}).TRUST_PROXY).toBeUndefined();
  });

  it('reads them from strings, 0 turning the sign-up limit off', () => {
    expect(
      validateEnvironment({
        LOG_LEVEL: 'silent',
        SIGNUP_RATE_LIMIT: '0',
        SIGNUP_RATE_WINDOW: '60',
        REQUEST_TIMEOUT: '2000',
        TRUST_PROXY: 'loopback',
      }),
    ).toMatchObject({
      LOG_LEVEL: 'silent',
      SIGNUP_RATE_LIMIT: 0,
      SIGNUP_RATE_WINDOW: 60,
      REQUEST_TIMEOUT: 2000,
      TRUST_PROXY: 'loopback',
    });
  });

  it.each([
    ['LOG_LEVEL', 'verbose'],
    ['SIGNUP_RATE_LIMIT', '-1'],
    ['SIGNUP_RATE_WINDOW', '0'],
    ['SIGNUP_RATE_WINDOW', '86401'],
    ['LOGIN_RATE_WINDOW', '2592000'],
    ['REQUEST_TIMEOUT', '10'],
    ['SHUTDOWN_TIMEOUT', 'soon'],
  ])('rejects %s=%s naming it', (name, value) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(
      new RegExp(`^Invalid environment: ${name}=${value}: `),
    );
  });

  it('requires a JWT_SECRET of 32+ characters in production, and never shows it', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production' })).toThrow(
      /^Invalid environment: JWT_SECRET is required when NODE_ENV=production/,
    );
    const short = 'too-short-secret-value';
    expect(() => validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: short })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(short) }),
    );
    expect(() => validateEnvironment({ JWT_SECRET: short })).toThrow(/JWT_SECRET=<hidden>/);
    const secret = 'x'.repeat(32);
    expect(validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: secret }).JWT_SECRET).toBe(
      secret,
    );
    expect(validateEnvironment({}).JWT_SECRET).toBeUndefined();
  });

  it('never shows a CURSOR_SECRET it refuses', () => {
    expect(() => validateEnvironment({ CURSOR_SECRET: 'short-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('short-secret') }),
    );
  });

  it('keeps access tokens to an hour at most', () => {
    expect(validateEnvironment({}).ACCESS_TOKEN_TTL).toBe(900);
    expect(() => validateEnvironment({ ACCESS_TOKEN_TTL: '3601' })).toThrow(/ACCESS_TOKEN_TTL/);
    expect(validateEnvironment({}).REFRESH_TOKEN_TTL).toBe(30 * 24 * 3600);
    expect(validateEnvironment({})).toMatchObject({ LOGIN_RATE_LIMIT: 10, LOGIN_RATE_WINDOW: 900 });
  });

  it('leaves REDIS_URL unset by default, and keeps a redis:// or rediss:// one', () => {
    expect(validateEnvironment({}).REDIS_URL).toBeUndefined();
    expect(validateEnvironment({ REDIS_URL: '' }).REDIS_URL).toBeUndefined();
    expect(validateEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379' }).REDIS_URL).toBe(
      'redis://127.0.0.1:6379',
    );
    expect(validateEnvironment({ REDIS_URL: 'rediss://:pw@cache:6380/2' }).REDIS_URL).toBe(
      'rediss://:pw@cache:6380/2',
    );
  });

  it('refuses another REDIS_URL without showing its password', () => {
    for (const url of ['memcached://:hunter2@cache', 'redis://:hunter2@cache/db', 'hunter2']) {
      expect(() => validateEnvironment({ REDIS_URL: url })).toThrow(RedisUrlError);
      expect(() => validateEnvironment({ REDIS_URL: url })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
      );
    }
  });

  describe('read replicas', () => {
    const DATABASE_URL = 'postgresql://app:pw@db-primary:5432/microblog';
    const DATABASE_REPLICA_URLS =
      'postgresql://app:hunter2@db-replica-1:5432/microblog, postgres://app@db-replica-2/microblog';

    it('has none by default, a lag bound of 2 s and a read-your-writes window of 5 s', () => {
      expect(validateEnvironment({}).DATABASE_REPLICA_URLS).toBeUndefined();
      expect(validateEnvironment({})).toMatchObject({
        REPLICA_MAX_LAG: 2000,
        READ_YOUR_WRITES_WINDOW: 5000,
      });
    });

    it('keeps replicas of a PostgreSQL DATABASE_URL', () => {
      expect(validateEnvironment({ DATABASE_URL, DATABASE_REPLICA_URLS })).toMatchObject({
        DATABASE_REPLICA_URLS,
      });
    });

    it.each([
      [{}, /DATABASE_URL is SQLite/],
      [{ DATABASE_URL: 'mariadb://root@db/microblog' }, /DATABASE_URL is mariadb/],
      [{ DATABASE_URL, DATABASE_REPLICA_URLS: 'mysql://app:hunter2@r1/microblog' }, /replica-1/],
      [{ DATABASE_URL, DATABASE_REPLICA_URLS: `${DATABASE_URL},` }, /replica-2.*empty entry/],
      [{ DATABASE_URL, DATABASE_REPLICA_URLS: 'postgresql://app:hunter2@r1' }, /database name/],
    ])('refuses replicas that cannot be: %j', (env, reason) => {
      const raw = { DATABASE_REPLICA_URLS, ...env };
      expect(() => validateEnvironment(raw)).toThrow(reason);
      expect(() => validateEnvironment(raw)).toThrow(
        expect.objectContaining({ message: expect.not.stringMatching(/hunter2|app:pw/) }),
      );
    });

    it('refuses a read-your-writes window a replica in use could still lag behind', () => {
      const base = { DATABASE_URL, DATABASE_REPLICA_URLS };
      expect(() => validateEnvironment({ ...base, READ_YOUR_WRITES_WINDOW: '4000' })).toThrow(
        /READ_YOUR_WRITES_WINDOW=4000 must be longer .* more than 4000 ms/,
      );
      expect(() =>
        validateEnvironment({ ...base, REPLICA_MAX_LAG: '500', READ_YOUR_WRITES_WINDOW: '2501' }),
      ).not.toThrow();
      // Without replicas, the window means nothing and is not checked.
      expect(() => validateEnvironment({ READ_YOUR_WRITES_WINDOW: '0' })).not.toThrow();
    });
  });

  it('runs one process by default; WEB_CONCURRENCY=auto is one worker per available core', () => {
    expect(validateEnvironment({}).WEB_CONCURRENCY).toBe(1);
    expect(validateEnvironment({ WEB_CONCURRENCY: '4' }).WEB_CONCURRENCY).toBe(4);
    expect(validateEnvironment({ WEB_CONCURRENCY: 'auto' }).WEB_CONCURRENCY).toBe(
      Math.min(availableParallelism(), MAX_WORKERS),
    );
  });

  it.each(['0', '-1', '1.5', '65', '04', 'all', ' 2'])('refuses WEB_CONCURRENCY=%j', (value) => {
    expect(() => validateEnvironment({ WEB_CONCURRENCY: value })).toThrow(
      /WEB_CONCURRENCY=.*: WEB_CONCURRENCY must be auto or an integer from 1 to 64/,
    );
  });
});
