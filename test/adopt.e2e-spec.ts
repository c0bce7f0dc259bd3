import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Migration20261202100000_auth_sessions } from '../migrations/Migration20261202100000_auth_sessions';
import { Adoption } from '../src/console/adopt/adoption';
import { createUser } from './support/api';
import {
  adopt,
  execute,
  fingerprint,
  FLASK_CONTENT,
  FLASK_FIXTURES,
  loadFlaskFixture,
  select,
  type FlaskKind,
} from './support/flask-fixtures';
import { PROJECT_DIR } from './support/processes';
import { WERKZEUG_HASHES } from './support/werkzeug-hashes';
import { createTestApp } from './support/test-app';
import {
  createTestDatabase,
  migrateToLatest,
  testDatabaseKinds,
  type TestDatabase,
} from './support/test-database';

const run = promisify(execFile);

/** The project's migrations: the first two stand for the tutorial's, the others run after. */
const TUTORIAL_MIGRATIONS = [
  'Migration20261126080000_users_table',
  'Migration20261126080100_posts_table',
];
const LATER_MIGRATIONS = ['Migration20261202100000_auth_sessions'];

/** `npx mikro-orm <args>` on the database. */
function cli(db: TestDatabase, ...args: string[]) {
  return run(process.execPath, ['node_modules/.bin/mikro-orm', ...args], {
    cwd: PROJECT_DIR,
    env: { ...process.env, DATABASE_URL: db.url, FORCE_COLOR: '0' },
  });
}

const FLASK_KINDS = testDatabaseKinds().filter((kind): kind is FlaskKind => kind !== 'mariadb');

/**
 * `npm run adopt`: a database the Flask Mega-Tutorial's database chapter made, with the real
 * Flask-Migrate (test/fixtures/flask), becomes this project's, or is refused untouched.
 */
describe.each(FLASK_KINDS)('adopt a Flask tutorial database [%s]', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await loadFlaskFixture(db);
  });

  afterEach(async () => {
    await db?.remove();
  });

  it('holds what the tutorial wrote (the fixture is what the tests think it is)', async () => {
    await expect(select(db, 'select version_num from alembic_version')).resolves.toEqual([
      { version_num: FLASK_CONTENT.alembicRevision[kind] },
    ]);
    await expect(select(db, 'select id, username, email from "user" order by id')).resolves.toEqual(
      FLASK_CONTENT.users,
    );
  });

  describe('takes it over', () => {
    let app: INestApplication | undefined;
    const http = () => request(app!.getHttpServer());

    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('converts it, records the history, runs the later migrations; migration:check is clean', async () => {
      const original = readFileSync(join(FLASK_FIXTURES, 'app.db'));
      const result = await adopt(db, ['--yes']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(
        `Found the tutorial's schema: 2 user(s), 3 post(s), Alembic revision ${FLASK_CONTENT.alembicRevision[kind]}.`,
      );
      expect(result.stdout).toContain(
        `Adopted: 2 user(s) and 3 post(s) are now this project's. Then applied ${LATER_MIGRATIONS.join(', ')}.`,
      );
      if (kind === 'sqlite') {
        // The copy is the file as it was, named in the output.
        const backup = /Copied the database first, to (.+)$/m.exec(result.stdout)?.[1];
        expect(backup).toMatch(/\/test\.db\.before-adopt-\d{8}T\d{6}Z$/);
        expect(dirname(backup!)).toBe(dirname(db.url));
        expect(readFileSync(backup!).equals(original)).toBe(true);
      } else {
        expect(result.stdout).not.toContain('Copied');
      }

      await expect(
        select<{ name: string }>(db, 'select name from mikro_orm_migrations order by id'),
      ).resolves.toEqual([...TUTORIAL_MIGRATIONS, ...LATER_MIGRATIONS].map((name) => ({ name })));
      await expect(
        select(
          db,
          `select * from ${kind === 'sqlite' ? 'sqlite_master' : 'pg_tables'} where
          ${kind === 'sqlite' ? 'name' : 'tablename'} = 'alembic_version'`,
        ),
      ).resolves.toEqual([]);
      await expect(cli(db, 'migration:check')).resolves.toMatchObject({
        stdout: expect.stringContaining('No changes required'),
      });
      await expect(cli(db, 'migration:pending')).resolves.toMatchObject({
        stdout: expect.not.stringContaining('Migration'),
      });
    }, 60_000);

    it('then the app serves every row with its id, author and timestamp, and goes on from there', async () => {
      expect((await adopt(db, ['--yes'])).code).toBe(0);
      app = await createTestApp(db.url);
      const posts = FLASK_CONTENT.posts(kind);
      await http()
        .get('/users')
        .expect(200, {
          items: FLASK_CONTENT.users.map(({ id, username }) => ({ id, username })),
          nextCursor: null,
        });
      const newestFirst = [...posts].sort((a, b) => b.timestamp.localeCompare(a.timestamp));
      await http().get('/posts').expect(200, { items: newestFirst, nextCursor: null });
      for (const post of posts) {
        await http().get(`/posts/${post.id}`).expect(200, post);
      }
      await http()
        .get('/users/1/posts')
        .expect(200, {
          items: newestFirst.filter((post) => post.author.id === 1),
          nextCursor: null,
        });
      // The ids go on where the tutorial's stopped (PostgreSQL's sequences came along).
      const newcomer = await createUser(app, 'newcomer');
      expect(newcomer.id).toBe(3);
      const { body } = await http()
        .post('/posts')
        .set(newcomer.auth)
        .send({ body: 'hello from NestJS' })
        .expect(201);
      expect(body.id).toBe(4);
      // The unique indexes hold: susan's email, in any case, is taken.
      await http()
        .post('/users')
        .send({ username: 'susan2', email: 'SUSAN@example.com', password: 'a long enough one' })
        .expect(409);
    }, 60_000);

    it("signs in the tutorial's users with the passwords Flask hashed, then rehashes them", async () => {
      // As the tutorial's chapter 5 stores them, with Werkzeug's generate_password_hash.
      await execute(
        db,
        `update "user" set password_hash = '${WERKZEUG_HASHES.pbkdf2}' where id = 1`,
      );
      expect((await adopt(db, ['--yes'])).code).toBe(0);
      app = await createTestApp(db.url);
      await http()
        .post('/auth/login')
        .send({ login: 'john', password: 'correct horse battery staple!' })
        .expect(401);
      await http()
        .post('/auth/login')
        .send({ login: 'john', password: 'correct horse battery staple' })
        .expect(200);
      const [{ password_hash: hash }] = await select<{ password_hash: string }>(
        db,
        'select password_hash from "user" where id = 1',
      );
      expect(hash).toMatch(/^\$argon2id\$/);
      // susan never had a password: nobody signs in as her until set-password gives her one.
      await http().post('/auth/login').send({ login: 'susan', password: '' }).expect(400);
      await http()
        .post('/auth/login')
        .send({ login: 'susan', password: 'anything at all' })
        .expect(401);
    }, 60_000);

    it('a second time answers "already adopted" and changes nothing', async () => {
      expect((await adopt(db, ['--yes'])).code).toBe(0);
      const before = await fingerprint(db);
      const again = await adopt(db, ['--yes']);
      expect(again).toMatchObject({ code: 0, stderr: '' });
      expect(again.stdout).toContain(
        "Already adopted: it has this project's migration history. Nothing to do.",
      );
      await expect(fingerprint(db)).resolves.toEqual(before);
    }, 60_000);

    it('stores emails in lower case, as this project does, and says how many', async () => {
      await execute(db, `update "user" set email = 'Susan@Example.COM' where id = 2`);
      const result = await adopt(db, ['--yes']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('store 1 email(s) in lower case');
      await expect(select(db, 'select email from "user" where id = 2')).resolves.toEqual([
        { email: 'susan@example.com' },
      ]);
    }, 60_000);

    it("leaves the later chapters' tables, columns and indexes alone, and reports them", async () => {
      const datetime = kind === 'sqlite' ? 'DATETIME' : 'timestamp without time zone';
      // What chapters 6, 8 and 23 add, as Flask-Migrate writes it.
      await execute(
        db,
        `alter table "user" add column about_me varchar(140);
         alter table "user" add column last_seen ${datetime};
         alter table "user" add column token varchar(32);
         create unique index ix_user_token on "user" (token);
         create table followers (
           follower_id integer, followed_id integer,
           foreign key(follower_id) references "user" (id),
           foreign key(followed_id) references "user" (id));
         update "user" set about_me = 'I blog', token = 'abc' where id = 1;
         insert into followers values (1, 2), (2, 1);`,
      );
      const result = await adopt(db, ['--yes']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(
        "Not from the tutorial's database chapter, left alone: table followers, " +
          'column user.about_me (varchar(140)), ' +
          `column user.last_seen (${kind === 'sqlite' ? 'datetime' : 'timestamp(6)'}), ` +
          'column user.token (varchar(32)), index ix_user_token on user.',
      );
      await expect(select(db, 'select * from followers order by 1')).resolves.toEqual([
        { follower_id: 1, followed_id: 2 },
        { follower_id: 2, followed_id: 1 },
      ]);
      await expect(
        select(db, 'select id, about_me, token from "user" order by id'),
      ).resolves.toEqual([
        { id: 1, about_me: 'I blog', token: 'abc' },
        { id: 2, about_me: null, token: null },
      ]);
      // The index is there again, still unique, and followers still point at the users.
      await expect(execute(db, `update "user" set token = 'abc' where id = 2`)).rejects.toThrow(
        /unique/i,
      );
      await expect(
        execute(
          db,
          `${kind === 'sqlite' ? 'pragma foreign_keys = on; ' : ''}insert into followers values (1, 99)`,
        ),
      ).rejects.toThrow(/foreign key/i);
      if (kind === 'sqlite') {
        await expect(select(db, 'pragma foreign_key_check')).resolves.toEqual([]);
      }
      app = await createTestApp(db.url);
      await http().get('/users/1').expect(200, { id: 1, username: 'john' });
    }, 60_000);
  });

  describe('changes nothing', () => {
    it('with --dry-run: prints the plan and stops', async () => {
      const before = await fingerprint(db);
      const result = await adopt(db, ['--dry-run']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const plan = result.stdout.slice(result.stdout.indexOf('Plan:'));
      expect(plan).toMatch(/^Plan:\n {2}1\. /);
      expect(plan).toContain(`record ${TUTORIAL_MIGRATIONS.join(' and ')} as applied`);
      expect(plan).toContain(`then run the remaining migrations: ${LATER_MIGRATIONS.join(', ')}`);
      expect(plan).toContain(`rounding 3 with microseconds to the millisecond`);
      expect(plan).toMatch(/Dry run: nothing was changed\.\n$/);
      await expect(fingerprint(db)).resolves.toEqual(before);
    }, 60_000);

    it('without --yes and no terminal to ask on', async () => {
      const before = await fingerprint(db);
      const result = await adopt(db, [], 'y\n');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'Not on a terminal to ask: pass --yes to take the database over. Nothing was changed.\n',
      );
      await expect(fingerprint(db)).resolves.toEqual(before);
    }, 60_000);

    /** Each case: what is done to the tutorial's database, and the problems the refusal lists. */
    const refusals: [string, string, string[], FlaskKind[]?][] = [
      [
        'NULL where this project needs a value',
        `update "user" set username = null where id = 2;
         update "user" set email = null where id = 1;
         update post set body = null where id = 3;
         update post set user_id = null where id in (1, 2);
         update post set timestamp = null where id = 2;`,
        [
          'user 2: username is NULL; this project requires a value',
          'user 1: email is NULL; this project requires a value',
          'post 3: body is NULL; this project requires a value',
          'post 1, 2: user_id is NULL; this project requires a value',
          'post 2: timestamp is NULL; this project requires a value',
        ],
      ],
      [
        'values longer than their columns (SQLite does not enforce VARCHAR lengths)',
        `update "user" set username = '${'u'.repeat(65)}' where id = 1;
         update "user" set email = '${'e'.repeat(110)}@example.com' where id = 2;
         update post set body = '${'é'.repeat(141)}' where id in (2, 3);`,
        [
          'user 1: username is longer than 64 characters',
          'user 2: email is longer than 120 characters',
          'post 2, 3: body is longer than 140 characters',
        ],
        ['sqlite'],
      ],
      [
        'emails that differ only in letter case',
        `update "user" set email = 'JOHN@example.com' where id = 2`,
        ['user 1, 2: emails differ only in letter case (john@example.com)'],
      ],
      [
        'posts whose user is missing (SQLite does not enforce foreign keys by default)',
        `pragma foreign_keys = off; update post set user_id = 99 where id = 3`,
        ['post 3: user_id refers to no user'],
        ['sqlite'],
      ],
      [
        'a timestamp that is not a date',
        `update post set timestamp = 'yesterday' where id = 2`,
        ['post 2: timestamp is not a date as SQLAlchemy writes it (YYYY-MM-DD HH:MM:SS.ffffff)'],
        ['sqlite'],
      ],
      [
        'a schema that is not the tutorial’s',
        `drop index ix_post_timestamp;
         alter table post rename column body to text;
         alter table "user" add column karma integer not null default 0;
         ${
           kind === 'sqlite'
             ? ''
             : `alter table "user" add column level integer not null default 1;
                alter table "user" alter column level drop default;`
         }`,
        [
          'column post.body is missing',
          'index ix_post_timestamp on post is missing',
          ...(kind === 'postgresql'
            ? [
                'column user.level is NOT NULL without a default: not from the tutorial, and ' +
                  'this project would not fill it',
              ]
            : []),
        ],
      ],
      [
        "a table named like one of this project's",
        `create table auth_session (id integer primary key, note varchar(20))`,
        ["table auth_session has the name of one of this project's tables"],
      ],
      ['a table missing', `drop table post`, ['table post is missing']],
    ];

    it.each(refusals.filter(([, , , only]) => !only || only.includes(kind)))(
      'refusing %s, with a list naming the table, ids and rule',
      async (_case, change, problems) => {
        await execute(db, change);
        const before = await fingerprint(db);
        const result = await adopt(db, ['--yes']);
        expect(result.code).toBe(1);
        const listed = result.stderr
          .split('\n')
          .filter((line) => line.startsWith('  - '))
          .map((line) => line.slice(4));
        expect(listed.sort()).toEqual([...problems].sort());
        expect(result.stderr).toMatch(/^Cannot adopt this database:\n[^]*Nothing was changed\.\n$/);
        await expect(fingerprint(db)).resolves.toEqual(before);
      },
      60_000,
    );
  });
});

describe.each(FLASK_KINDS)('adopt, failing half-way [%s]', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await loadFlaskFixture(db);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await db?.remove();
  });

  it('undoes everything when a later migration fails: the database is as it was', async () => {
    const before = await fingerprint(db);
    const adoption = new Adoption(db.url);
    const report = await adoption.inspect();
    expect(report.state).toBe('ready');
    // The last step inside the transaction: the tables are rebuilt or altered, the rows
    // converted and the history recorded by then.
    const up = jest
      .spyOn(Migration20261202100000_auth_sessions.prototype, 'up')
      .mockImplementation(() => {
        throw new Error('the disk is full');
      });
    await expect(adoption.execute(report)).rejects.toThrow('the disk is full');
    expect(up).toHaveBeenCalledTimes(1);
    const after = await fingerprint(db);
    if (kind === 'sqlite') {
      // Byte for byte, and the copy made first is there too.
      const { files, sha256 } = before as { files: string[]; sha256: string };
      const backup = (after as { files: string[] }).files.find((file) =>
        file.startsWith('test.db.before-adopt-'),
      );
      expect(backup).toBeDefined();
      expect(after).toEqual({ files: [...files, backup].sort(), sha256 });
    } else {
      expect(after).toEqual(before);
    }
    // And it can be tried again.
    jest.restoreAllMocks();
    await expect(adoption.execute(await adoption.inspect())).resolves.toMatchObject({
      applied: LATER_MIGRATIONS,
    });
  }, 60_000);
});

describe('adopt on other databases', () => {
  it("answers 'already adopted' on a database this project made, and changes nothing", async () => {
    const db = await createTestDatabase('sqlite');
    try {
      await migrateToLatest(db.url);
      const before = await fingerprint(db);
      const result = await adopt(db, ['--yes']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Already adopted');
      await expect(fingerprint(db)).resolves.toEqual(before);
    } finally {
      await db.remove();
    }
  }, 60_000);

  it('refuses a SQLite file that is not there, and does not create it', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const result = await adopt(db, ['--yes']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`  - there is no database file at ${db.url}`);
      expect(existsSync(db.url)).toBe(false);
      expect(readdirSync(dirname(db.url))).toEqual([]);
    } finally {
      await db.remove();
    }
  }, 60_000);

  if (testDatabaseKinds().includes('mariadb')) {
    it('refuses MySQL/MariaDB, saying why, and changes nothing', async () => {
      const db = await createTestDatabase('mariadb');
      try {
        const result = await adopt(db, ['--yes']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
          '  - MySQL and MariaDB are not supported: their DDL commits statement by statement',
        );
        await expect(select(db, 'show tables')).resolves.toEqual([]);
      } finally {
        await db.remove();
      }
    }, 60_000);
  }
});
