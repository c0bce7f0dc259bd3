import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { App } from 'supertest/types';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config/environment';
import {
  createTestDatabase,
  type DatabaseKind,
  migrateToLatest,
  type TestDatabase,
} from './test-database';

/**
 * What tests change from the defaults: no logs, and no limit on sign-ups (tests create many
 * users from one address; the limit has its own test). These win over `process.env`, into
 * which ConfigModule has already copied the defaults when AppModule was loaded.
 */
const TEST_DEFAULTS = { LOG_LEVEL: 'silent', SIGNUP_RATE_LIMIT: '0' };

/**
 * The real app (same modules, same `configureApp()` as `main.ts`) on the database `url` names,
 * listening on a free port so that supertest can send concurrent requests to one server. The
 * configuration goes through the real validation, with `DATABASE_URL` set to `url` and any
 * other variables from `env`.
 */
export async function createTestApp(
  url: string,
  env: Record<string, string> = {},
): Promise<INestApplication> {
  const config = new ConfigService(
    validateEnvironment({ ...process.env, ...TEST_DEFAULTS, ...env, DATABASE_URL: url }),
  );
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(ConfigService)
    .useValue(config)
    .compile();
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
): MigratedApp {
  let db: TestDatabase | undefined;
  let app: INestApplication<App> | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrateToLatest(db.url);
    app = await createTestApp(db.url, env);
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
