import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Database } from '../src/database/schema';
import { readSchema, type TableShape } from './support/schema';
import {
  createTestDatabase,
  describeEachDatabase,
  type DatabaseKind,
  initOrm,
  type TestDatabase,
} from './support/test-database';

const run = promisify(execFile);

/**
 * The schema Flask-Migrate's two migrations build in the tutorial, as `.schema` prints it:
 *
 *   CREATE TABLE user (id INTEGER NOT NULL, username VARCHAR(64), email VARCHAR(120),
 *     password_hash VARCHAR(128), PRIMARY KEY (id));
 *   CREATE UNIQUE INDEX ix_user_email ON user (email);
 *   CREATE UNIQUE INDEX ix_user_username ON user (username);
 *   CREATE TABLE post (id INTEGER NOT NULL, body VARCHAR(140), timestamp DATETIME,
 *     user_id INTEGER, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES user (id));
 *   CREATE INDEX ix_post_timestamp ON post (timestamp);
 *
 * plus our additions: NOT NULL on username, email, body, timestamp and user_id; an index on
 * post.user_id (ix_post_user_id) and one on (user_id, timestamp). Each database gets the
 * natural equivalent of SQLite's types.
 */
const TYPES: Record<DatabaseKind, { integer: string; datetime: string }> = {
  sqlite: { integer: 'integer', datetime: 'datetime' },
  postgresql: { integer: 'int4', datetime: 'timestamptz(3)' },
  mariadb: { integer: 'int', datetime: 'datetime(3)' },
};

function userTable(kind: DatabaseKind): TableShape {
  return {
    columns: [
      ['id', TYPES[kind].integer, false],
      ['username', 'varchar(64)', false],
      ['email', 'varchar(120)', false],
      ['password_hash', 'varchar(128)', true],
    ],
    indexes: [
      ['ix_user_email', ['email'], true],
      ['ix_user_username', ['username'], true],
    ],
    foreignKeys: [],
  };
}

function postTable(kind: DatabaseKind): TableShape {
  return {
    columns: [
      ['id', TYPES[kind].integer, false],
      ['body', 'varchar(140)', false],
      ['timestamp', TYPES[kind].datetime, false],
      ['user_id', TYPES[kind].integer, false],
    ],
    indexes: [
      ['ix_post_timestamp', ['timestamp'], false],
      ['ix_post_user_id', ['user_id'], false],
      ['ix_post_user_id_timestamp', ['user_id', 'timestamp'], false],
    ],
    foreignKeys: [['post_user_id_foreign', ['user_id'], 'user', ['id']]],
  };
}

describeEachDatabase('migrations', (kind) => {
  // Every test gets a database of its own, so that each can run alone and in any order.
  let db: TestDatabase;
  let orm: MikroORM;
  const sql = () => (orm.em.fork() as SqlEntityManager).getKysely<Database>();
  const applied = async () => (await orm.migrator.getExecuted()).map((m) => m.name);
  const full = () => ({ post: postTable(kind), user: userTable(kind) });

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    orm = await initOrm(db.url);
  });

  afterEach(async () => {
    await orm.close();
    await db.remove();
  });

  it('starts with "users table" then "posts table"', async () => {
    const pending = await orm.migrator.getPending();
    expect(pending.map((m) => m.name)).toEqual([
      'Migration20261126080000_users_table',
      'Migration20261126080100_posts_table',
    ]);
  });

  it('up builds the reference schema plus our additions, and agrees with the entities', async () => {
    await orm.migrator.up();
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(orm.migrator.checkSchema()).resolves.toBe(false);
    await expect(orm.migrator.getPending()).resolves.toEqual([]);
  });

  it('enforces the foreign key and the unique indexes', async () => {
    await orm.migrator.up();
    const timestamp = kind === 'sqlite' ? 0 : new Date(0);
    // toMatchObject, not toThrow: better-sqlite3's native addon keeps the SqliteError class of
    // the first jest module registry that loaded it, so in later test files its errors are not
    // `instanceof Error` and toThrow would report "did not throw".
    await expect(
      sql()
        .insertInto('post')
        .values({ body: 'x', timestamp: timestamp as Date, user_id: 999 })
        .execute(),
    ).rejects.toMatchObject({ message: expect.stringMatching(/foreign key/i) });
    await sql().insertInto('user').values({ username: 'a', email: 'a@example.com' }).execute();
    await expect(
      sql().insertInto('user').values({ username: 'a', email: 'b@example.com' }).execute(),
    ).rejects.toMatchObject({ message: expect.stringMatching(/unique|duplicate/i) });
  });

  it('down undoes only the posts table, keeping the users and their rows', async () => {
    await orm.migrator.up();
    await sql()
      .insertInto('user')
      .values({ username: 'john', email: 'john@example.com' })
      .execute();

    await orm.migrator.down();
    await expect(applied()).resolves.toEqual(['Migration20261126080000_users_table']);
    await expect(readSchema(orm)).resolves.toEqual({ user: userTable(kind) });

    await orm.migrator.up();
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(sql().selectFrom('user').select(['username', 'email']).execute()).resolves.toEqual(
      [{ username: 'john', email: 'john@example.com' }],
    );
  });

  it('down twice leaves no tables, and up rebuilds everything', async () => {
    await orm.migrator.up();
    await orm.migrator.down();
    await orm.migrator.down();
    await expect(applied()).resolves.toEqual([]);
    await expect(readSchema(orm)).resolves.toEqual({});

    await orm.migrator.up();
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(orm.migrator.checkSchema()).resolves.toBe(false);
  });

  it('running up again on a current database is a no-op', async () => {
    await orm.migrator.up();
    await expect(orm.migrator.up()).resolves.toEqual([]);
    await expect(readSchema(orm)).resolves.toEqual(full());
  });

  if (kind === 'sqlite') {
    it('opens SQLite connections with foreign keys, WAL, a busy timeout and a 64 MiB cache', async () => {
      const conn = orm.em.getConnection();
      await expect(conn.execute('pragma foreign_keys')).resolves.toEqual([{ foreign_keys: 1 }]);
      await expect(conn.execute('pragma journal_mode')).resolves.toEqual([{ journal_mode: 'wal' }]);
      await expect(conn.execute('pragma busy_timeout')).resolves.toEqual([{ timeout: 5000 }]);
      await expect(conn.execute('pragma cache_size')).resolves.toEqual([{ cache_size: -65536 }]);
    });
  }
});

describe('the MikroORM CLI on the TypeScript sources', () => {
  let db: TestDatabase;
  const cli = (...args: string[]) =>
    run('npx', ['mikro-orm', ...args], {
      cwd: `${__dirname}/..`,
      env: { ...process.env, DATABASE_URL: db.url, FORCE_COLOR: '0' },
    });

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });

  afterAll(() => db.remove());

  it('migration:check fails before migration:up and passes after it', async () => {
    await expect(cli('migration:check')).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Changes detected. Please create migration'),
    });
    await expect(cli('migration:up')).resolves.toMatchObject({
      stdout: expect.stringContaining('Successfully migrated up to the latest version'),
    });
    await expect(cli('migration:check')).resolves.toMatchObject({
      stdout: expect.stringContaining('No changes required'),
    });
    await expect(cli('migration:pending')).resolves.toMatchObject({
      stdout: expect.not.stringContaining('Migration2'),
    });
  }, 60_000);
});
