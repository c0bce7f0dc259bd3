import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Database } from '../src/database/schema';
import { readDeleteRules, readSchema, type TableShape } from './support/schema';
import {
  createTestDatabase,
  describeEachDatabase,
  type DatabaseKind,
  initOrm,
  type TestDatabase,
} from './support/test-database';

const run = promisify(execFile);

/** The migrations, oldest first: the tutorial's two, then the accounts' sessions. */
const MIGRATIONS = [
  'Migration20261126080000_users_table',
  'Migration20261126080100_posts_table',
  'Migration20261202100000_auth_sessions',
];

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
 * post.user_id (ix_post_user_id) and one on (user_id, timestamp); and the accounts' third
 * migration, the `auth_session` and `refresh_token` tables, each deleted with what it belongs
 * to (ON DELETE CASCADE). Each database gets the natural equivalent of SQLite's types.
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

function authSessionTable(kind: DatabaseKind): TableShape {
  return {
    columns: [
      ['id', TYPES[kind].integer, false],
      ['user_id', TYPES[kind].integer, false],
      ['created_at', TYPES[kind].datetime, false],
      ['expires_at', TYPES[kind].datetime, false],
      ['revoked_at', TYPES[kind].datetime, true],
    ],
    indexes: [
      ['ix_auth_session_expires_at', ['expires_at'], false],
      ['ix_auth_session_user_id', ['user_id'], false],
    ],
    foreignKeys: [['auth_session_user_id_foreign', ['user_id'], 'user', ['id']]],
  };
}

function refreshTokenTable(kind: DatabaseKind): TableShape {
  return {
    columns: [
      ['id', TYPES[kind].integer, false],
      ['session_id', TYPES[kind].integer, false],
      ['token_hash', 'varchar(64)', false],
      ['created_at', TYPES[kind].datetime, false],
      ['expires_at', TYPES[kind].datetime, false],
      ['used_at', TYPES[kind].datetime, true],
      ['version', TYPES[kind].integer, false],
    ],
    indexes: [
      ['ix_refresh_token_session_id', ['session_id'], false],
      ['ix_refresh_token_token_hash', ['token_hash'], true],
    ],
    foreignKeys: [['refresh_token_session_id_foreign', ['session_id'], 'auth_session', ['id']]],
  };
}

/**
 * What deleting a user does: a user with posts cannot be deleted (the app deletes the posts
 * first), while sessions, and their refresh tokens, go with their user and session.
 */
function deleteRules(kind: DatabaseKind): Record<string, string> {
  return {
    post_user_id_foreign: kind === 'mariadb' ? 'restrict' : 'no action',
    auth_session_user_id_foreign: 'cascade',
    refresh_token_session_id_foreign: 'cascade',
  };
}

describeEachDatabase('migrations', (kind) => {
  // Every test gets a database of its own, so that each can run alone and in any order.
  let db: TestDatabase;
  let orm: MikroORM;
  const sql = () => (orm.em.fork() as SqlEntityManager).getKysely<Database>();
  const applied = async () => (await orm.migrator.getExecuted()).map((m) => m.name);
  const full = () => ({
    auth_session: authSessionTable(kind),
    post: postTable(kind),
    refresh_token: refreshTokenTable(kind),
    user: userTable(kind),
  });
  // Raw rows, as the driver takes them: SQLite stores a timestamp as milliseconds.
  const at = (ms: number) => (kind === 'sqlite' ? ms : new Date(ms)) as Date;
  const later = () => at(Date.now() + 3_600_000);

  // Ids given outright (PostgreSQL's sequences never reach them), so that rows can be named.
  const JOHN = 101;
  const SUSAN = 102;

  /** john with a post, and a session (id 201) with one refresh token (id 301). */
  async function johnWithPostAndSession(): Promise<void> {
    await sql()
      .insertInto('user')
      .values({ id: JOHN, username: 'john', email: 'john@example.com' })
      .execute();
    await sql()
      .insertInto('post')
      .values({ id: 401, body: 'my first post!', timestamp: at(0), user_id: JOHN })
      .execute();
    await sql()
      .insertInto('auth_session')
      .values({ id: 201, user_id: JOHN, created_at: at(0), expires_at: later() })
      .execute();
    await sql()
      .insertInto('refresh_token')
      .values({
        id: 301,
        session_id: 201,
        token_hash: 'a'.repeat(64),
        created_at: at(0),
        expires_at: later(),
        version: 1,
      })
      .execute();
  }

  const usersAndPosts = async () => ({
    users: await sql().selectFrom('user').select(['id', 'username', 'email']).execute(),
    posts: await sql().selectFrom('post').select(['id', 'body', 'user_id']).execute(),
  });
  const JOHN_AND_HIS_POST = {
    users: [{ id: JOHN, username: 'john', email: 'john@example.com' }],
    posts: [{ id: 401, body: 'my first post!', user_id: JOHN }],
  };

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    orm = await initOrm(db.url);
  });

  afterEach(async () => {
    await orm.close();
    await db.remove();
  });

  it('starts with "users table", then "posts table", then "auth sessions"', async () => {
    const pending = await orm.migrator.getPending();
    expect(pending.map((m) => m.name)).toEqual(MIGRATIONS);
  });

  it('up builds the reference schema plus our additions and the session tables, and agrees with the entities', async () => {
    await orm.migrator.up();
    await expect(applied()).resolves.toEqual(MIGRATIONS);
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(readDeleteRules(orm)).resolves.toEqual(deleteRules(kind));
    await expect(orm.migrator.checkSchema()).resolves.toBe(false);
    await expect(orm.migrator.getPending()).resolves.toEqual([]);
  });

  it('enforces the foreign keys and the unique indexes', async () => {
    await orm.migrator.up();
    const timestamp = at(0);
    // toMatchObject, not toThrow: better-sqlite3's native addon keeps the SqliteError class of
    // the first jest module registry that loaded it, so in later test files its errors are not
    // `instanceof Error` and toThrow would report "did not throw".
    const foreignKey = { message: expect.stringMatching(/foreign key/i) };
    const unique = { message: expect.stringMatching(/unique|duplicate/i) };
    await expect(
      sql().insertInto('post').values({ body: 'x', timestamp, user_id: 999 }).execute(),
    ).rejects.toMatchObject(foreignKey);
    await expect(
      sql()
        .insertInto('auth_session')
        .values({ user_id: 999, created_at: timestamp, expires_at: timestamp })
        .execute(),
    ).rejects.toMatchObject(foreignKey);
    await expect(
      sql()
        .insertInto('refresh_token')
        .values({
          session_id: 999,
          token_hash: 'b'.repeat(64),
          created_at: timestamp,
          expires_at: timestamp,
          version: 1,
        })
        .execute(),
    ).rejects.toMatchObject(foreignKey);
    await sql().insertInto('user').values({ username: 'a', email: 'a@example.com' }).execute();
    await expect(
      sql().insertInto('user').values({ username: 'a', email: 'b@example.com' }).execute(),
    ).rejects.toMatchObject(unique);
    await expect(
      sql().insertInto('user').values({ username: 'b', email: 'a@example.com' }).execute(),
    ).rejects.toMatchObject(unique);
    await johnWithPostAndSession();
    await expect(
      sql()
        .insertInto('refresh_token')
        .values({
          session_id: 201,
          token_hash: 'a'.repeat(64),
          created_at: timestamp,
          expires_at: timestamp,
          version: 1,
        })
        .execute(),
    ).rejects.toMatchObject(unique);
  });

  it("deletes a user's sessions and refresh tokens with the user, but never their posts", async () => {
    await orm.migrator.up();
    await johnWithPostAndSession();
    // A user with posts cannot be deleted: the app deletes the posts first.
    await expect(sql().deleteFrom('user').where('id', '=', JOHN).execute()).rejects.toMatchObject({
      message: expect.stringMatching(/foreign key/i),
    });
    await expect(sql().selectFrom('auth_session').select('id').execute()).resolves.toEqual([
      { id: 201 },
    ]);
    // susan, with a session of her own, is not touched by john's deletion.
    await sql()
      .insertInto('user')
      .values({ id: SUSAN, username: 'susan', email: 'susan@example.com' })
      .execute();
    await sql()
      .insertInto('auth_session')
      .values({ id: 202, user_id: SUSAN, created_at: at(0), expires_at: later() })
      .execute();
    await sql().deleteFrom('post').where('user_id', '=', JOHN).execute();
    await sql().deleteFrom('user').where('id', '=', JOHN).execute();
    await expect(sql().selectFrom('auth_session').select('id').execute()).resolves.toEqual([
      { id: 202 },
    ]);
    await expect(sql().selectFrom('refresh_token').select('id').execute()).resolves.toEqual([]);
  });

  it('down undoes only the last migration (the session tables), keeping users, posts and their rows', async () => {
    await orm.migrator.up();
    await johnWithPostAndSession();

    await orm.migrator.down();
    await expect(applied()).resolves.toEqual(MIGRATIONS.slice(0, 2));
    await expect(readSchema(orm)).resolves.toEqual({
      post: postTable(kind),
      user: userTable(kind),
    });
    await expect(usersAndPosts()).resolves.toEqual(JOHN_AND_HIS_POST);

    await orm.migrator.up();
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(usersAndPosts()).resolves.toEqual(JOHN_AND_HIS_POST);
    // The sessions were dropped with their table: everyone signs in again.
    await expect(sql().selectFrom('auth_session').select('id').execute()).resolves.toEqual([]);
    await expect(sql().selectFrom('refresh_token').select('id').execute()).resolves.toEqual([]);
  });

  it('down twice undoes the posts table too, keeping the users and their rows', async () => {
    await orm.migrator.up();
    await johnWithPostAndSession();

    await orm.migrator.down();
    await orm.migrator.down();
    await expect(applied()).resolves.toEqual(MIGRATIONS.slice(0, 1));
    await expect(readSchema(orm)).resolves.toEqual({ user: userTable(kind) });
    await expect(sql().selectFrom('user').select(['username', 'email']).execute()).resolves.toEqual(
      [{ username: 'john', email: 'john@example.com' }],
    );

    await orm.migrator.up();
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(sql().selectFrom('user').select(['username', 'email']).execute()).resolves.toEqual(
      [{ username: 'john', email: 'john@example.com' }],
    );
  });

  it('down three times leaves no tables, and up rebuilds everything', async () => {
    await orm.migrator.up();
    await orm.migrator.down();
    await orm.migrator.down();
    await orm.migrator.down();
    await expect(applied()).resolves.toEqual([]);
    await expect(readSchema(orm)).resolves.toEqual({});

    await orm.migrator.up();
    await expect(applied()).resolves.toEqual(MIGRATIONS);
    await expect(readSchema(orm)).resolves.toEqual(full());
    await expect(readDeleteRules(orm)).resolves.toEqual(deleteRules(kind));
    await expect(orm.migrator.checkSchema()).resolves.toBe(false);
  });

  it('running up again on a current database is a no-op', async () => {
    await orm.migrator.up();
    await expect(orm.migrator.up()).resolves.toEqual([]);
    await expect(readSchema(orm)).resolves.toEqual(full());
  });

  if (kind === 'sqlite') {
    it('opens SQLite connections with foreign keys, WAL, a 64 MiB cache and no busy timeout of their own', async () => {
      const conn = orm.em.getConnection();
      await expect(conn.execute('pragma foreign_keys')).resolves.toEqual([{ foreign_keys: 1 }]);
      await expect(conn.execute('pragma journal_mode')).resolves.toEqual([{ journal_mode: 'wal' }]);
      // The driver waits for locks (LockWaitingConnection): SQLite's would block the event loop.
      await expect(conn.execute('pragma busy_timeout')).resolves.toEqual([{ timeout: 0 }]);
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
