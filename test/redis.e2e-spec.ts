import { Logger, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { REDIS } from '../src/redis/redis.module';
import { TEST_PASSWORD, uniqueName } from './support/api';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp } from './support/test-app';
import { createTestDatabase, migrateToLatest, type TestDatabase } from './support/test-database';
import {
  describeWithRedis,
  TestRedis,
  testRedisUrl,
  uniqueRedisKeyPrefix,
} from './support/test-redis';

/** Three sign-ups per address, three sign-in attempts per address and per account, a minute. */
const LIMITS = {
  SIGNUP_RATE_LIMIT: '3',
  SIGNUP_RATE_WINDOW: '60',
  LOGIN_RATE_LIMIT: '3',
  LOGIN_RATE_WINDOW: '60',
  TRUST_PROXY: 'true',
};

let addresses = 0;

/** A client address no other test uses, so that its counts start at 0 in every test. */
function newAddress(): string {
  addresses++;
  return `10.13.${Math.floor(addresses / 200)}.${(addresses % 200) + 1}`;
}

/** A sign-in attempt from `address`, by default with an unknown login and a wrong password. */
function signIn(
  app: INestApplication,
  address: string,
  login = uniqueName('guess'),
  password = 'wrong password',
) {
  return request(app.getHttpServer())
    .post('/auth/login')
    .set('X-Forwarded-For', address)
    .send({ login, password });
}

function signUp(app: INestApplication, address: string, username = uniqueName('member')) {
  return request(app.getHttpServer())
    .post('/users')
    .set('X-Forwarded-For', address)
    .send({ username, email: `${username}@example.com`, password: TEST_PASSWORD });
}

/** The status of each request, sent one after the other. */
async function statusesOf(requests: (() => request.Test)[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const send of requests) {
    statuses.push((await send()).status);
  }
  return statuses;
}

function health(app: INestApplication) {
  return request(app.getHttpServer()).get('/health');
}

/** Waits until `/health` says Redis answers (the ping that says so also puts the app back on it). */
async function untilRedisAnswers(app: INestApplication): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await health(app)).body.redis !== 'up') {
    if (Date.now() > deadline) {
      throw new Error('Redis still does not answer after 15 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The messages given to `spy` (a spied Logger method) that match `pattern`. */
function messages(spy: jest.SpyInstance, pattern: RegExp): unknown[] {
  return spy.mock.calls
    .map(([message]: unknown[]) => message)
    .filter((m) => pattern.test(String(m)));
}

describeWithRedis('rate limits in Redis, shared by every instance', () => {
  const prefix = uniqueRedisKeyPrefix();
  let redis: TestRedis | undefined;
  let db: TestDatabase | undefined;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    redis = new TestRedis();
    db = await createTestDatabase();
    await migrateToLatest(db.url);
    // Two instances of the app on one database, as behind a load balancer.
    for (let i = 0; i < 2; i++) {
      apps.push(
        await createTestApp(
          db.url,
          { ...LIMITS, REDIS_URL: testRedisUrl() },
          { redisKeyPrefix: prefix },
        ),
      );
    }
  });

  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await redis?.removeAndClose(prefix);
    await db?.remove();
  });

  it('counts the sign-in attempts of one address once: the 4th is a 429, on either instance', async () => {
    const [a, b] = apps;
    const address = newAddress();
    await expect(
      statusesOf([a, b, a, b, a].map((app) => () => signIn(app, address))),
    ).resolves.toEqual([401, 401, 401, 429, 429]);

    const refused = await signIn(b, address).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body.message).toMatch(/^too many sign-in attempts; try again in \d+ s$/);
    const seconds = Number(/in (\d+) s$/.exec(refused.body.message as string)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
  });

  it('counts the sign-in attempts on one account once, whatever the address and instance', async () => {
    const [a, b] = apps;
    const username = uniqueName('victim');
    await signUp(a, newAddress(), username).expect(201);
    await expect(
      statusesOf([a, b, a].map((app) => () => signIn(app, newAddress(), username))),
    ).resolves.toEqual([401, 401, 401]);
    await signIn(b, newAddress(), username, TEST_PASSWORD).expect(429);
  });

  it('counts the sign-ups of one address once: the 4th account is refused, on either instance', async () => {
    const [a, b] = apps;
    const address = newAddress();
    await expect(
      statusesOf([a, b, a, b, a].map((app) => () => signUp(app, address))),
    ).resolves.toEqual([201, 201, 201, 429, 429]);
  });

  it('keeps the counts under its key prefix, hashed, each expiring with its window', async () => {
    const [a, b] = apps;
    await signUp(a, newAddress()).expect(201);
    await signIn(b, newAddress()).expect(401);

    const keys = await redis!.keys(prefix);
    const names = keys.map((key) => {
      // The storage's layout: {<sha256 of route, limit and client or account>:<limit>}:hits
      const match = /^\{[0-9a-f]{64}:(signup|login-address|login-account)\}:(hits|blocked)$/.exec(
        key.slice(prefix.length),
      );
      expect({ key, match: Boolean(match) }).toEqual({ key, match: true });
      return match![1];
    });
    expect(new Set(names)).toEqual(new Set(['signup', 'login-address', 'login-account']));
    for (const key of keys) {
      const ttl = await redis!.client.pttl(key);
      expect({ key, expires: ttl > 0 && ttl <= 60_000 }).toEqual({ key, expires: true });
    }
  });
});

describe('rate limits without REDIS_URL, per instance', () => {
  let db: TestDatabase | undefined;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateToLatest(db.url);
    for (let i = 0; i < 2; i++) {
      apps.push(await createTestApp(db.url, LIMITS));
    }
  });

  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await db?.remove();
  });

  it('counts on each instance apart, in its memory, with no Redis at all', async () => {
    const [a, b] = apps;
    const address = newAddress();
    await expect(
      statusesOf([a, a, a, a].map((app) => () => signIn(app, address))),
    ).resolves.toEqual([401, 401, 401, 429]);
    await signIn(b, address).expect(401);

    expect(a.get(REDIS)).toBeNull();
    await health(a).expect(200).expect({ status: 'ok', database: 'up' });
  });
});

describeWithRedis('Redis going down and coming back', () => {
  const prefix = uniqueRedisKeyPrefix();
  let redis: TestRedis | undefined;
  let proxy: TcpProxy | undefined;
  let db: TestDatabase | undefined;
  let env: Record<string, string>;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    redis = new TestRedis();
    const server = new URL(testRedisUrl());
    proxy = await TcpProxy.start(server.hostname, Number(server.port || 6379));
    env = { ...LIMITS, REDIS_URL: proxy.through(testRedisUrl()) };
    db = await createTestDatabase();
    await migrateToLatest(db.url);
    for (let i = 0; i < 2; i++) {
      apps.push(await createTestApp(db.url, env, { redisKeyPrefix: prefix }));
    }
  });

  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await proxy?.close();
    await redis?.removeAndClose(prefix);
    await db?.remove();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await proxy?.restore();
  });

  it('counts in each process while Redis is unreachable, with no 5xx, then in Redis again', async () => {
    const [a, b] = apps;
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const log = jest.spyOn(Logger.prototype, 'log');
    await health(a).expect(200).expect({ status: 'ok', database: 'up', redis: 'up' });

    await proxy!.cut();
    // Each instance now counts on its own: the limit holds on each, not across both.
    const address = newAddress();
    await expect(
      statusesOf([a, a, a, a].map((app) => () => signIn(app, address))),
    ).resolves.toEqual([401, 401, 401, 429]);
    await expect(
      statusesOf([b, b, b, b].map((app) => () => signIn(app, address))),
    ).resolves.toEqual([401, 401, 401, 429]);
    await signUp(b, newAddress()).expect(201);
    await health(a).expect(200).expect({ status: 'degraded', database: 'up', redis: 'down' });
    // One warning per instance for the whole outage, however many requests came.
    expect(messages(warn, /is unreachable/)).toHaveLength(2);
    expect(messages(warn, /is unreachable/).join('\n')).toMatch(/redis:\/\/127\.0\.0\.1:\d+\/0/);

    await proxy!.restore();
    await untilRedisAnswers(a);
    await untilRedisAnswers(b);
    expect(messages(log, /answers again/)).toHaveLength(2);
    const again = newAddress();
    await expect(statusesOf([a, b, a, b].map((app) => () => signIn(app, again)))).resolves.toEqual([
      401, 401, 401, 429,
    ]);
  }, 30_000);

  it('treats a Redis that stops answering as unreachable: requests do not wait for it', async () => {
    const [a] = apps;
    await untilRedisAnswers(a);
    proxy!.stall();
    const address = newAddress();
    await expect(
      statusesOf([a, a, a, a].map((app) => () => signIn(app, address))),
    ).resolves.toEqual([401, 401, 401, 429]);
    await health(a).expect(200).expect({ status: 'degraded', database: 'up', redis: 'down' });

    await proxy!.restore();
    await untilRedisAnswers(a);
  }, 30_000);

  it('starts while Redis is down, counting in memory, and uses Redis once it is up', async () => {
    const [a] = apps;
    await proxy!.cut();
    const late = await createTestApp(db!.url, env, { redisKeyPrefix: prefix });
    try {
      await health(late).expect(200).expect({ status: 'degraded', database: 'up', redis: 'down' });
      const address = newAddress();
      await expect(
        statusesOf([late, late, late, late].map((app) => () => signIn(app, address))),
      ).resolves.toEqual([401, 401, 401, 429]);

      await proxy!.restore();
      await untilRedisAnswers(late);
      await untilRedisAnswers(a);
      const again = newAddress();
      await expect(
        statusesOf([late, a, late, a].map((app) => () => signIn(app, again))),
      ).resolves.toEqual([401, 401, 401, 429]);
    } finally {
      await late.close();
    }
  }, 30_000);
});
