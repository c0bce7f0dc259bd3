import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { App } from 'supertest/types';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';
import { Clock } from '../../src/auth/clock';
import { validateEnvironment } from '../../src/config/environment';
import { REDIS_KEY_PREFIX } from '../../src/redis/redis.module';
import { ARGON2_PARAMS, type Argon2Params } from '../../src/users/password-hasher';
import {
  createTestDatabase,
  type DatabaseKind,
  migrateToLatest,
  type TestDatabase,
} from './test-database';

/**
 * What tests change from the defaults: no logs, no limit on sign-ups or sign-ins (tests create
 * and sign in many users from one address; the limits have their own tests), and no Redis
 * unless a test gives a REDIS_URL (not the developer's own). These win over `process.env`, into
 * which ConfigModule has already copied the defaults when AppModule was loaded.
 */
const TEST_DEFAULTS = {
  LOG_LEVEL: 'silent',
  SIGNUP_RATE_LIMIT: '0',
  LOGIN_RATE_LIMIT: '0',
  REDIS_URL: '',
};

/**
 * argon2id at a small cost, so that the suites can sign up and sign in hundreds of users: the
 * format and the logic are the production ones (the unit tests check the default cost, and the
 * upgrade test runs with it).
 */
export const TEST_ARGON2_PARAMS: Argon2Params = { m: 1024, t: 1, p: 1 };

/** How a test app may differ from production beyond the environment. */
export interface TestAppOptions {
  /** The time, for tokens and sessions (default: the real clock). */
  clock?: Clock;
  /** Hash passwords at the production cost instead of `TEST_ARGON2_PARAMS`. */
  productionHashing?: boolean;
  /**
   * The prefix of the keys the app writes to Redis, required with a REDIS_URL: one of the test
   * file's own (`uniqueRedisKeyPrefix()`), the same for apps that are to share their counts.
   */
  redisKeyPrefix?: string;
}

/**
 * The real app (same modules, same `configureApp()` as `main.ts`) on the database `url` names,
 * listening on a free port so that supertest can send concurrent requests to one server. The
 * configuration goes through the real validation, with `DATABASE_URL` set to `url` and any
 * other variables from `env`.
 */
export async function createTestApp(
  url: string,
  env: Record<string, string> = {},
  { clock, productionHashing = false, redisKeyPrefix }: TestAppOptions = {},
): Promise<INestApplication> {
  if (env.REDIS_URL && redisKeyPrefix === undefined) {
    throw new Error("createTestApp: a REDIS_URL needs a redisKeyPrefix of the test file's own");
  }
  const config = new ConfigService(
    validateEnvironment({ ...process.env, ...TEST_DEFAULTS, ...env, DATABASE_URL: url }),
  );
  let builder = Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(ConfigService)
    .useValue(config);
  if (!productionHashing) {
    builder = builder.overrideProvider(ARGON2_PARAMS).useValue(TEST_ARGON2_PARAMS);
  }
  if (clock) {
    builder = builder.overrideProvider(Clock).useValue(clock);
  }
  if (redisKeyPrefix !== undefined) {
    builder = builder.overrideProvider(REDIS_KEY_PREFIX).useValue(redisKeyPrefix);
  }
  const moduleRef = await builder.compile();
  const app = configureApp(moduleRef.createNestApplication({ ...APP_OPTIONS, logger: false }));
  await app.listen(0, '127.0.0.1');
  return app;
}

/** What `useMigratedApp` gives a describe block, valid inside its tests and later hooks. */
export interface MigratedApp {
  readonly app: INestApplication<App>;
  readonly db: TestDatabase;
  /** supertest on the app's server. */
  http(): TestAgent;
}

/**
 * Registers the hooks most e2e files need: before all tests, a fresh database of `kind` with
 * the real migrations applied and the app on it, configured with `env` on top of the test
 * defaults (as `createTestApp` takes it); after all, the app closed and the database removed.
 */
export function useMigratedApp(
  kind: DatabaseKind = 'sqlite',
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): MigratedApp {
  let db: TestDatabase | undefined;
  let app: INestApplication<App> | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrateToLatest(db.url);
    app = await createTestApp(db.url, env, options);
  });
  afterAll(async () => {
    await app?.close();
    await db?.remove();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) {
      throw new Error('useMigratedApp: used before its beforeAll hook ran');
    }
    return value;
  };
  return {
    get app() {
      return ready(app);
    },
    get db() {
      return ready(db);
    },
    http: () => request(ready(app).getHttpServer()),
  };
}
