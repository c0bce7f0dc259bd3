import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { createOrmConfig } from '../../mikro-orm.config';

/** The databases every parametrized suite runs on. */
export type DatabaseKind = 'sqlite' | 'postgresql' | 'mariadb';

/** Where each server database is: set by `.ci/run`, or by you (see the README). */
const SERVER_URL_VARIABLES: Record<Exclude<DatabaseKind, 'sqlite'>, string> = {
  postgresql: 'TEST_POSTGRES_URL',
  mariadb: 'TEST_MYSQL_URL',
};

/** A database of its own for one test file, removed with `remove()`. */
export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  remove(): Promise<void>;
}

/**
 * An ORM on `url` with the project's configuration, quiet unless a logger is given, and
 * connected (MikroORM 7 connects lazily, and a Kysely instance needs the connection first).
 */
export async function initOrm(url: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig(url, { logger: () => undefined, ...overrides }));
  await orm.connect();
  return orm;
}

/**
 * A fresh, empty database: a SQLite file in a new temp folder, or a uniquely named database
 * created on the server that TEST_POSTGRES_URL / TEST_MYSQL_URL points at, or `adminUrl` when
 * given (and dropped by `remove()`), so that test files and parallel runs never collide.
 */
export async function createTestDatabase(
  kind: DatabaseKind = 'sqlite',
  adminUrl?: string,
): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'microblog-test-'));
    return {
      kind,
      url: join(dir, 'test.db'),
      remove: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const server = adminUrl ?? serverUrl(kind);
  if (!server) {
    throw new Error(`${SERVER_URL_VARIABLES[kind]} is not set`);
  }
  const name = `microblog_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const quoted = kind === 'postgresql' ? `"${name}"` : `\`${name}\``;
  const admin = await initOrm(server, { ensureDatabase: false });
  try {
    await admin.em.getConnection().execute(`create database ${quoted}`);
  } finally {
    await admin.close();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    remove: async () => {
      const orm = await initOrm(server, { ensureDatabase: false });
      try {
        await orm.em.getConnection().execute(`drop database if exists ${quoted}`);
      } finally {
        await orm.close();
      }
    },
  };
}

/** Applies the real migrations in `migrations/` (never the schema generator). */
export async function migrateToLatest(url: string): Promise<void> {
  const orm = await initOrm(url);
  try {
    await orm.migrator.up();
  } finally {
    await orm.close();
  }
}

function serverUrl(kind: Exclude<DatabaseKind, 'sqlite'>): string | undefined {
  return process.env[SERVER_URL_VARIABLES[kind]] || undefined;
}

const noticed = new Set<string>();

/**
 * The databases to run on: SQLite always; PostgreSQL and MariaDB when their URL is set. Without
 * a URL, a server suite is left out with a one-line notice on a laptop, but under CI (CI=true)
 * a missing URL is a failing test, never a skip.
 */
export function testDatabaseKinds(): DatabaseKind[] {
  const kinds: DatabaseKind[] = ['sqlite'];
  for (const kind of ['postgresql', 'mariadb'] as const) {
    if (serverUrl(kind) || process.env.CI === 'true') {
      kinds.push(kind);
    } else if (!noticed.has(kind)) {
      noticed.add(kind);
      process.stderr.write(
        `notice: ${SERVER_URL_VARIABLES[kind]} is not set; leaving out the ${kind} runs\n`,
      );
    }
  }
  return kinds;
}

/** `describe` once per database kind, titled `title [kind]`. */
export function describeEachDatabase(title: string, fn: (kind: DatabaseKind) => void): void {
  for (const kind of testDatabaseKinds()) {
    describe(`${title} [${kind}]`, () => fn(kind));
  }
}
