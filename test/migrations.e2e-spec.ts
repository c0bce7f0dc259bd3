import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import { createTestDatabase, initOrm, type TestDatabase } from './support/test-database';
import { readSqliteSchema, type TableShape } from './support/sqlite-schema';

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
 * post.user_id (ix_post_user_id) and one on (user_id, timestamp).
 */
const USER_TABLE: TableShape = {
  columns: [
    { name: 'id', type: 'INTEGER', notNull: true, primaryKey: true },
    { name: 'username', type: 'VARCHAR(64)', notNull: true, primaryKey: false },
    { name: 'email', type: 'VARCHAR(120)', notNull: true, primaryKey: false },
    { name: 'password_hash', type: 'VARCHAR(128)', notNull: false, primaryKey: false },
  ],
  indexes: [
    { name: 'ix_user_email', unique: true, columns: ['email'] },
    { name: 'ix_user_username', unique: true, columns: ['username'] },
  ],
  foreignKeys: [],
};

const POST_TABLE: TableShape = {
  columns: [
    { name: 'id', type: 'INTEGER', notNull: true, primaryKey: true },
    { name: 'body', type: 'VARCHAR(140)', notNull: true, primaryKey: false },
    { name: 'timestamp', type: 'DATETIME', notNull: true, primaryKey: false },
    { name: 'user_id', type: 'INTEGER', notNull: true, primaryKey: false },
  ],
  indexes: [
    { name: 'ix_post_timestamp', unique: false, columns: ['timestamp'] },
    { name: 'ix_post_user_id', unique: false, columns: ['user_id'] },
    { name: 'ix_post_user_id_timestamp', unique: false, columns: ['user_id', 'timestamp'] },
  ],
  foreignKeys: [{ from: 'user_id', table: 'user', to: 'id' }],
};

describe('migrations (SQLite)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = createTestDatabase();
    orm = await initOrm(db.url);
  });

  afterAll(async () => {
    await orm.close();
    db.remove();
  });

  const applied = async () => (await orm.getMigrator().getExecutedMigrations()).map((m) => m.name);

  it('opens SQLite connections with foreign keys, WAL and a busy timeout', async () => {
    const conn = orm.em.getConnection();
    await expect(conn.execute('pragma foreign_keys')).resolves.toEqual([{ foreign_keys: 1 }]);
    await expect(conn.execute('pragma journal_mode')).resolves.toEqual([{ journal_mode: 'wal' }]);
    await expect(conn.execute('pragma busy_timeout')).resolves.toEqual([{ timeout: 5000 }]);
  });

  it('starts with "users table" then "posts table"', async () => {
    const pending = await orm.getMigrator().getPendingMigrations();
    expect(pending.map((m) => m.name)).toEqual([
      'Migration20261126080000_users_table',
      'Migration20261126080100_posts_table',
    ]);
  });

  it('up builds the reference schema plus our additions, and agrees with the entities', async () => {
    await orm.getMigrator().up();
    await expect(readSqliteSchema(orm)).resolves.toEqual({ post: POST_TABLE, user: USER_TABLE });
    await expect(orm.getMigrator().checkMigrationNeeded()).resolves.toBe(false);
    await expect(orm.getMigrator().getPendingMigrations()).resolves.toEqual([]);
  });

  it('enforces the foreign key and the unique indexes', async () => {
    const conn = orm.em.getConnection();
    await expect(conn.execute('pragma foreign_keys')).resolves.toEqual([{ foreign_keys: 1 }]);
    await expect(
      conn.execute(`insert into post (body, timestamp, user_id) values ('x', 0, 999)`),
    ).rejects.toThrow(/FOREIGN KEY constraint failed/);
    await conn.execute(`insert into user (username, email) values ('a', 'a@example.com')`);
    await expect(
      conn.execute(`insert into user (username, email) values ('a', 'b@example.com')`),
    ).rejects.toThrow(/UNIQUE constraint failed: user.username/);
    await conn.execute(`delete from user`);
  });

  it('down undoes only the posts table, keeping the users and their rows', async () => {
    const conn = orm.em.getConnection();
    await conn.execute(`insert into user (username, email) values ('john', 'john@example.com')`);

    await orm.getMigrator().down();
    await expect(applied()).resolves.toEqual(['Migration20261126080000_users_table']);
    await expect(readSqliteSchema(orm)).resolves.toEqual({ user: USER_TABLE });

    await orm.getMigrator().up();
    await expect(readSqliteSchema(orm)).resolves.toEqual({ post: POST_TABLE, user: USER_TABLE });
    await expect(conn.execute('select username, email from user')).resolves.toEqual([
      { username: 'john', email: 'john@example.com' },
    ]);
  });

  it('down twice leaves no tables, and up rebuilds everything', async () => {
    await orm.getMigrator().down();
    await orm.getMigrator().down();
    await expect(applied()).resolves.toEqual([]);
    await expect(readSqliteSchema(orm)).resolves.toEqual({});

    await orm.getMigrator().up();
    await expect(readSqliteSchema(orm)).resolves.toEqual({ post: POST_TABLE, user: USER_TABLE });
    await expect(orm.getMigrator().checkMigrationNeeded()).resolves.toBe(false);
  });
});

describe('the MikroORM CLI on the TypeScript sources', () => {
  let db: TestDatabase;
  const cli = (...args: string[]) =>
    run('npx', ['mikro-orm', ...args], {
      cwd: `${__dirname}/..`,
      env: { ...process.env, DATABASE_URL: db.url, FORCE_COLOR: '0' },
    });

  beforeAll(() => {
    db = createTestDatabase();
  });

  afterAll(() => db.remove());

  it('migration:check fails before migration:up and passes after it', async () => {
    await expect(cli('migration:check')).rejects.toMatchObject({ code: 1 });
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
