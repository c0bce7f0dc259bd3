import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { finished, spawnTs, type Finished } from './processes';
import { initOrm, type DatabaseKind, type TestDatabase } from './test-database';

/** The databases the Flask Mega-Tutorial's database chapter made (see `generate.sh` there). */
export const FLASK_FIXTURES = join(__dirname, '..', 'fixtures', 'flask');

/** The kinds the tutorial's fixtures exist for (`npm run adopt` refuses MySQL/MariaDB). */
export type FlaskKind = Exclude<DatabaseKind, 'mariadb'>;

/**
 * Fills an empty test database with what the tutorial made: on SQLite its very file, on
 * PostgreSQL the dump of its database (schema, `alembic_version` and rows).
 */
export async function loadFlaskFixture(db: TestDatabase): Promise<void> {
  if (db.kind === 'sqlite') {
    copyFileSync(join(FLASK_FIXTURES, 'app.db'), db.url);
    return;
  }
  await onServer(db, (run) =>
    run(readFileSync(join(FLASK_FIXTURES, `${db.kind}.sql`), 'utf8'), true),
  );
}

/** Runs SQL on the test database, as the tutorial's user might have with a database shell. */
export async function execute(db: TestDatabase, statements: string): Promise<void> {
  if (db.kind === 'sqlite') {
    const sqlite = new Database(db.url);
    try {
      sqlite.exec(statements);
    } finally {
      sqlite.close();
    }
    return;
  }
  await onServer(db, (run) => run(statements, true));
}

/** Rows a query returns on the test database. */
export async function select<T>(db: TestDatabase, query: string): Promise<T[]> {
  if (db.kind === 'sqlite') {
    const sqlite = new Database(db.url, { readonly: true });
    try {
      return sqlite.prepare(query).all() as T[];
    } finally {
      sqlite.close();
    }
  }
  return onServer(db, (run) => run(query, false) as Promise<T[]>);
}

/** An ORM of its own, closed right after: a dump changes the session (search_path). */
async function onServer<T>(
  db: TestDatabase,
  fn: (run: (sql: string, dump: boolean) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  const orm = await initOrm(db.url, { multipleStatements: true, ensureDatabase: false });
  try {
    const connection = orm.em.getConnection();
    return await fn((sql, dump) => (dump ? connection.executeDump(sql) : connection.execute(sql)));
  } finally {
    await orm.close();
  }
}

/**
 * All there is to see of the database, for "nothing changed": on SQLite the file's bytes (and
 * the files next to it: no backup, journal or WAL left behind); on PostgreSQL every column,
 * index and constraint of the schema, and every row of every table.
 */
export async function fingerprint(db: TestDatabase): Promise<unknown> {
  if (db.kind === 'sqlite') {
    return {
      files: readdirSync(dirname(db.url)).sort(),
      sha256: createHash('sha256').update(readFileSync(db.url)).digest('hex'),
    };
  }
  const tables = await select<{ table_name: string }>(
    db,
    `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  const rows: Record<string, unknown[]> = {};
  for (const { table_name: table } of tables) {
    rows[table] = await select(db, `select * from "${table}" order by 1`);
  }
  return {
    columns: await select(
      db,
      `select table_name, column_name, data_type, character_maximum_length, is_nullable,
              column_default, datetime_precision
         from information_schema.columns where table_schema = 'public' order by 1, 2`,
    ),
    indexes: await select(
      db,
      `select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`,
    ),
    constraints: await select(
      db,
      `select conrelid::regclass::text as "table", conname, pg_get_constraintdef(oid) as def
         from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`,
    ),
    rows,
  };
}

/** `npm run adopt -- <args>` on the test database, with `input` on standard input (a pipe). */
export function adopt(db: TestDatabase | string, args: string[], input = ''): Promise<Finished> {
  const url = typeof db === 'string' ? db : db.url;
  const child = spawnTs('src/console/adopt.ts', args, { DATABASE_URL: url });
  child.stdin.end(input);
  return finished(child);
}

/** What the tutorial's "play time" left in each fixture, as this project's API shows it. */
export const FLASK_CONTENT = {
  users: [
    { id: 1, username: 'john', email: 'john@example.com' },
    { id: 2, username: 'susan', email: 'susan@example.com' },
  ],
  /**
   * The posts, by id. SQLAlchemy kept microseconds; this project keeps milliseconds, rounded
   * to the nearest (…15.999999 becomes …16.000). Post 1 was written when the fixture was made.
   */
  posts: (kind: FlaskKind) => [
    {
      id: 1,
      body: 'my first post!',
      // 07:49:15.641420 on SQLite, 07:49:19.964686 on PostgreSQL
      timestamp: kind === 'sqlite' ? '2026-12-02T07:49:15.641Z' : '2026-12-02T07:49:19.965Z',
      author: { id: 1, username: 'john' },
    },
    {
      id: 2,
      body: 'ünïcödé 日本語 🎉',
      timestamp: '2026-11-26T08:00:00.123Z', // 08:00:00.123456
      author: { id: 2, username: 'susan' },
    },
    {
      id: 3,
      body: 'a second one from john',
      timestamp: '2026-11-26T09:30:16.000Z', // 09:30:15.999999
      author: { id: 1, username: 'john' },
    },
  ],
  /** Flask-Migrate's revision ids: random, one per `flask db migrate`, so each fixture's own. */
  alembicRevision: { sqlite: '5703220d4813', postgresql: '5ba2ce730351' } satisfies Record<
    FlaskKind,
    string
  >,
};
