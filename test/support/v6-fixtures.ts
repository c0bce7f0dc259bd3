import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { initOrm, type DatabaseKind, type TestDatabase } from './test-database';

/** Where the databases made by release 0.1.0 (MikroORM 6) are kept, as SQL dumps. */
export const V6_FIXTURES = join(__dirname, '..', 'fixtures', 'v6');

/**
 * Fills an empty test database with the dump of the database release 0.1.0 made on the same
 * kind of server (see `test/fixtures/v6/generate.sh`): its schema, its migration history and
 * its rows, exactly as that release left them.
 */
export async function loadV6Fixture(db: TestDatabase): Promise<void> {
  const dump = readFileSync(join(V6_FIXTURES, `${db.kind}.sql`), 'utf8');
  if (db.kind === 'sqlite') {
    const sqlite = new Database(db.url);
    try {
      sqlite.exec(dump);
    } finally {
      sqlite.close();
    }
    return;
  }
  // An ORM of its own: the dump changes session settings (PostgreSQL's search_path) of the
  // connection it runs on, so that connection is closed right after.
  const orm = await initOrm(db.url, { multipleStatements: true });
  try {
    await orm.em.getConnection().executeDump(dump);
  } finally {
    await orm.close();
  }
}

/** What release 0.1.0 wrote into each fixture, as the API shows it. */
export const V6_CONTENT = {
  users: 6,
  posts: 44,
  john: { id: 1, username: 'john', email: 'john@example.com' },
  /** The user 0.1.0 made without a password. */
  susan: { id: 2, username: 'susan' },
  /** john's password when the fixtures were made (scrypt hash in the dump). */
  johnPassword: 'correct horse battery staple',
  firstPost: { id: 1, body: 'my first post!', author: { id: 1, username: 'john' } },
  /** The first post's timestamp in each fixture (they were made a few seconds apart). */
  firstPostTimestamp: {
    sqlite: new Date(1796191416510).toISOString(),
    postgresql: '2026-12-02T06:03:39.820Z',
    mariadb: '2026-12-02T06:03:43.164Z',
  } satisfies Record<DatabaseKind, string>,
};
