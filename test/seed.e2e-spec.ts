import { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Test } from '@nestjs/testing';
import { BulkInsert } from '../src/console/seed/bulk-insert';
import { FakeData } from '../src/console/seed/fake-data';
import {
  PendingMigrationsError,
  SAMPLE_PASSWORD,
  SeedService,
} from '../src/console/seed/seed.service';
import { AuthSession } from '../src/auth/entities/auth-session.entity';
import { charCount } from '../src/common/validation/text.validators';
import { Post } from '../src/posts/entities/post.entity';
import { createQueryDatabase } from '../src/database/query-database';
import { QUERY_DATABASE } from '../src/database/read-queries';
import type { Database } from '../src/database/schema';
import { PostQueries, type PostView } from '../src/posts/post.queries';
import { User } from '../src/users/entities/user.entity';
import { DEFAULT_ARGON2_PARAMS, PasswordHasher } from '../src/users/password-hasher';
import { finished, spawnTs, waitForOutput } from './support/processes';
import { TEST_ARGON2_PARAMS } from './support/test-app';
import {
  createTestDatabase,
  describeEachDatabase,
  initOrm,
  migrateToLatest,
  type TestDatabase,
} from './support/test-database';

const REFERENCE = new Date('2026-06-01T00:00:00Z');
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Hashes as the tests do (cheaply); verifies any hash, whatever its cost. */
const hasher = new PasswordHasher(TEST_ARGON2_PARAMS);

/** A SeedService on its own ORM for `url`, as the seed command builds it. */
async function seederFor(
  url: string,
): Promise<{ seeder: SeedService; posts: PostQueries; orm: MikroORM }> {
  const orm = await initOrm(url);
  const moduleRef = await Test.createTestingModule({
    providers: [
      SeedService,
      PostQueries,
      { provide: MikroORM, useValue: orm },
      { provide: QUERY_DATABASE, useValue: createQueryDatabase(orm.em) },
    ],
  }).compile();
  return { seeder: moduleRef.get(SeedService), posts: moduleRef.get(PostQueries), orm };
}

/** Kysely on the ORM's connection: rows as the driver returns them. */
function sqlOf(orm: MikroORM) {
  return (orm.em.fork() as SqlEntityManager).getKysely<Database>();
}

type UserRow = { id: number; username: string; email: string };
type PostRow = { id: number; body: string; timestamp: string; user_id: number };

/** Empties every table (children first) behind the seeder's back: a known start for each test. */
async function emptyTables(orm: MikroORM): Promise<void> {
  const db = sqlOf(orm);
  await db.deleteFrom('refresh_token').execute();
  await db.deleteFrom('auth_session').execute();
  await db.deleteFrom('post').execute();
  await db.deleteFrom('user').execute();
}

/** The stored password hash of each user, by username. */
async function passwordHashes(orm: MikroORM): Promise<Record<string, string | null>> {
  const rows = await sqlOf(orm)
    .selectFrom('user')
    .select(['username', 'password_hash'])
    .orderBy('id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.username, r.password_hash]));
}

/** Every row, timestamps as ISO strings whatever the database returns them as. */
async function rowsOf(orm: MikroORM): Promise<{ users: UserRow[]; posts: PostRow[] }> {
  const db = sqlOf(orm);
  const users = await db
    .selectFrom('user')
    .select(['id', 'username', 'email'])
    .orderBy('id')
    .execute();
  const posts = await db
    .selectFrom('post')
    .select(['id', 'body', 'timestamp', 'user_id'])
    .orderBy('id')
    .execute();
  return {
    users,
    posts: posts.map((p) => ({ ...p, timestamp: new Date(p.timestamp).toISOString() })),
  };
}

describeEachDatabase('SeedService', (kind) => {
  let db: TestDatabase;
  let seeder: SeedService;
  let posts: PostQueries;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrateToLatest(db.url);
    ({ seeder, posts, orm } = await seederFor(db.url));
  });

  afterAll(async () => {
    await orm.close();
    await db.remove();
  });

  // Every test starts from empty tables and writes what it needs.
  beforeEach(() => emptyTables(orm));

  it('loads the sample data once: john, susan (with the password) and "my first post!"', async () => {
    const hash = await hasher.hash(SAMPLE_PASSWORD);
    const other = await hasher.hash('some other password');
    await expect(seeder.loadSample(hash)).resolves.toEqual({ users: 2, posts: 1, passwordsSet: 2 });
    await expect(seeder.loadSample(other)).resolves.toEqual({
      users: 0,
      posts: 0,
      passwordsSet: 0,
    });
    const { users, posts } = await rowsOf(orm);
    expect(users.map((u) => [u.username, u.email])).toEqual([
      ['john', 'john@example.com'],
      ['susan', 'susan@example.com'],
    ]);
    expect(posts.map((p) => [p.body, p.user_id])).toEqual([['my first post!', users[0].id]]);
    await expect(passwordHashes(orm)).resolves.toEqual({ john: hash, susan: hash });
    await expect(hasher.verify(SAMPLE_PASSWORD, hash)).resolves.toBe(true);
  });

  it('gives a sample user without a password the given one, and keeps one already set', async () => {
    const hash = await hasher.hash(SAMPLE_PASSWORD);
    const susans = await hasher.hash('susan has her own');
    const em = orm.em.fork();
    const john = em.create(User, { username: 'john', email: 'john@example.com' });
    const susan = em.create(User, {
      username: 'susan',
      email: 'susan@example.com',
      passwordHash: susans,
    });
    await em.flush();
    await expect(seeder.loadSample(hash)).resolves.toEqual({ users: 0, posts: 1, passwordsSet: 1 });
    await expect(passwordHashes(orm)).resolves.toEqual({ john: hash, susan: susans });
    const { users } = await rowsOf(orm);
    expect(users.map((u) => u.id)).toEqual([john.id, susan.id]);
  });

  it('resets both tables, the sessions of the users going with them', async () => {
    await seeder.loadSample(await hasher.hash(SAMPLE_PASSWORD));
    const em = orm.em.fork();
    const john = await em.findOneOrFail(User, { username: 'john' });
    em.create(AuthSession, { user: john, expiresAt: new Date(Date.now() + 3_600_000) });
    await em.flush();
    await expect(seeder.counts()).resolves.toEqual({ users: 2, posts: 1 });
    await expect(seeder.reset()).resolves.toEqual({ users: 2, posts: 1 });
    await expect(seeder.counts()).resolves.toEqual({ users: 0, posts: 0 });
    await expect(orm.em.fork().count(AuthSession)).resolves.toBe(0);
  });

  it('generates N users and M posts within the limits, spread over the past year', async () => {
    const progress: number[] = [];
    await expect(
      seeder.generate({
        users: 30,
        posts: 250,
        seed: 7,
        batchSize: 40,
        referenceDate: REFERENCE,
        onProgress: (n) => progress.push(n),
      }),
    ).resolves.toEqual({ users: 30, posts: 250, interrupted: false });
    await expect(seeder.counts()).resolves.toEqual({ users: 30, posts: 250 });
    expect(progress.at(-1)).toBe(280);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const { users, posts } = await rowsOf(orm);
    for (const u of users) {
      expect(u.username).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
      expect(u.email).toMatch(/^[a-z0-9_.-]+@example\.com$/);
    }
    const ids = new Set(users.map((u) => u.id));
    for (const p of posts) {
      expect(charCount(p.body)).toBeGreaterThan(0);
      expect(charCount(p.body)).toBeLessThanOrEqual(140);
      expect(ids.has(p.user_id)).toBe(true);
      const t = Date.parse(p.timestamp);
      expect(t).toBeGreaterThanOrEqual(REFERENCE.getTime() - YEAR_MS);
      expect(t).toBeLessThanOrEqual(REFERENCE.getTime());
    }
    expect(new Set(posts.map((p) => p.user_id)).size).toBeGreaterThan(20);
  });

  it('appends a second run without clashing usernames', async () => {
    await seeder.generate({ users: 30, posts: 250, seed: 7, referenceDate: REFERENCE });
    await expect(
      seeder.generate({ users: 5, posts: 0, seed: 7, referenceDate: REFERENCE }),
    ).resolves.toMatchObject({ users: 5 });
    await expect(seeder.counts()).resolves.toEqual({ users: 35, posts: 250 });
    const { users } = await rowsOf(orm);
    expect(new Set(users.map((u) => u.username)).size).toBe(35);
  });

  it('stops between batches when aborted: whole batches only', async () => {
    const abort = new AbortController();
    const result = await seeder.generate({
      users: 10,
      posts: 1000,
      seed: 1,
      batchSize: 100,
      signal: abort.signal,
      onProgress: (n) => n >= 310 && abort.abort(),
    });
    expect(result).toEqual({ users: 10, posts: 300, interrupted: true });
    await expect(seeder.counts()).resolves.toEqual({ users: 10, posts: 300 });
  });

  it('refuses --posts without users', async () => {
    await expect(seeder.generate({ users: 0, posts: 5, seed: 1 })).rejects.toThrow(/--users/);
  });

  it('stores timestamps as the app does, and the app reads them back to the millisecond', async () => {
    await seeder.generate({ users: 3, posts: 20, seed: 11, referenceDate: REFERENCE });
    // What the generator drew, in the service's order: the users, then the posts.
    const fake = new FakeData(11, REFERENCE);
    for (let n = 1; n <= 3; n++) {
      fake.user(n);
    }
    const expected = Array.from({ length: 20 }, () => fake.post(3));

    const em = orm.em.fork();
    const views: PostView[] = [];
    for (const { id } of (await rowsOf(orm)).posts) {
      const view = await posts.findView(id);
      if (!view) {
        throw new Error(`post ${id} is missing`);
      }
      views.push(view);
    }
    expect(views.map((v) => [v.body, v.timestamp.toISOString()])).toEqual(
      expected.map((p) => [p.body, p.timestamp.toISOString()]),
    );

    // The same instant written by the app (through the unit of work, as POST /posts does) is
    // stored as the very same column value as the seed wrote.
    const [seeded] = views;
    const flushed = em.create(Post, {
      body: 'by the unit of work',
      author: seeded.author.id,
      timestamp: seeded.timestamp,
    });
    await em.flush();
    const stored = async (id: number): Promise<unknown> => {
      const row = await sqlOf(orm)
        .selectFrom('post')
        .select('timestamp')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.timestamp;
    };
    const value = await stored(seeded.id);
    await expect(stored(flushed.id)).resolves.toStrictEqual(value);
    if (kind === 'sqlite') {
      expect(value).toBe(seeded.timestamp.getTime()); // milliseconds since the epoch
    }
  });

  it('writes batches larger than one INSERT statement holds', async () => {
    // One row more than a statement takes (its bound parameters are limited), so each batch
    // needs two statements, the second a shorter one.
    const users = new BulkInsert(orm, User, ['username', 'email']).rowsPerStatement + 1;
    const posts = new BulkInsert(orm, Post, ['body', 'timestamp', 'author']).rowsPerStatement + 1;
    await expect(
      seeder.generate({ users, posts, seed: 3, batchSize: 20_000, referenceDate: REFERENCE }),
    ).resolves.toEqual({ users, posts, interrupted: false });
    await expect(seeder.counts()).resolves.toEqual({ users, posts });
    const rows = await rowsOf(orm);
    expect(new Set(rows.users.map((u) => u.username)).size).toBe(users);
    const ids = new Set(rows.users.map((u) => u.id));
    expect(rows.posts.every((p) => ids.has(p.user_id))).toBe(true);
  }, 120_000);
});

describe('SeedService determinism and safety', () => {
  it('writes identical rows for the same seed on two fresh databases', async () => {
    const dbs = [await createTestDatabase(), await createTestDatabase()];
    try {
      const rows = [];
      for (const db of dbs) {
        await migrateToLatest(db.url);
        const { seeder, orm } = await seederFor(db.url);
        await seeder.generate({ users: 20, posts: 100, seed: 42, referenceDate: REFERENCE });
        rows.push(await rowsOf(orm));
        await orm.close();
      }
      expect(rows[0].posts).toHaveLength(100);
      expect(rows[1]).toEqual(rows[0]);
    } finally {
      await Promise.all(dbs.map((db) => db.remove()));
    }
  });

  it('refuses to run while migrations are pending, naming the command to run', async () => {
    const db = await createTestDatabase();
    const { seeder, orm } = await seederFor(db.url);
    try {
      await expect(seeder.assertMigrated()).rejects.toThrow(PendingMigrationsError);
      await expect(seeder.assertMigrated()).rejects.toThrow(/npx mikro-orm migration:up/);
    } finally {
      await orm.close();
      await db.remove();
    }
  });
});

describe('npm run seed (the command)', () => {
  // A migrated database, emptied before each test (the pending-migrations test has its own).
  let db: TestDatabase;
  let seeder: SeedService;
  let orm: MikroORM;
  const seedOn = async (url: string, ...args: string[]) =>
    finished(spawnTs('src/console/seed.ts', args, { DATABASE_URL: url }));
  const seed = (...args: string[]) => seedOn(db.url, ...args);

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateToLatest(db.url);
    ({ seeder, orm } = await seederFor(db.url));
  });

  afterAll(async () => {
    await orm.close();
    await db.remove();
  });

  beforeEach(() => emptyTables(orm));

  it('refuses a database with pending migrations (exit 1)', async () => {
    const unmigrated = await createTestDatabase();
    try {
      const run = await seedOn(unmigrated.url);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/pending migration.*run `npx mikro-orm migration:up` first/);
    } finally {
      await unmigrated.remove();
    }
  }, 30_000);

  it('loads the sample data with the documented password, then finds nothing to add', async () => {
    const first = await seed();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Sample data: added 2 users and 1 post.');
    expect(first.stdout).toContain(
      `Sign in as john or susan with the password "${SAMPLE_PASSWORD}".`,
    );
    // Hashed at the production cost, and the documented password verifies.
    const { m, t, p } = DEFAULT_ARGON2_PARAMS;
    const hashes = await passwordHashes(orm);
    expect(Object.keys(hashes)).toEqual(['john', 'susan']);
    for (const hash of Object.values(hashes)) {
      expect(hash).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${m},t=${t},p=${p}\\$`));
      await expect(hasher.verify(SAMPLE_PASSWORD, hash!)).resolves.toBe(true);
    }

    const second = await seed();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Sample data already present: nothing to add.');
    expect(second.stdout).not.toMatch(/password/i);
    await expect(passwordHashes(orm)).resolves.toEqual(hashes);
  }, 30_000);

  it('gives the sample users a random password in production, printed once', async () => {
    const production = () =>
      finished(
        spawnTs('src/console/seed.ts', [], {
          DATABASE_URL: db.url,
          NODE_ENV: 'production',
          JWT_SECRET: 'a production secret of at least 32 characters',
        }),
      );
    const run = await production();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Sample data: added 2 users and 1 post.');
    expect(run.stdout).not.toContain(SAMPLE_PASSWORD);
    const password = /^Sample users' password \(shown once\): (\S+)$/m.exec(run.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const { john } = await passwordHashes(orm);
    await expect(hasher.verify(password!, john!)).resolves.toBe(true);
    await expect(hasher.verify(SAMPLE_PASSWORD, john!)).resolves.toBe(false);

    const again = await production();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Sample data already present: nothing to add.');
    expect(again.stdout).not.toContain(password);
  }, 30_000);

  it('resets and generates, with progress lines and a summary', async () => {
    await expect(seeder.loadSample(await hasher.hash(SAMPLE_PASSWORD))).resolves.toEqual({
      users: 2,
      posts: 1,
      passwordsSet: 2,
    });
    const run = await seed('--reset', '--yes', '--users', '20', '--posts', '300', '--seed', '5');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Reset: deleted 2 users and 1 post.');
    expect(run.stdout).toMatch(
      /^Seeded 20 users and 300 posts in \d+\.\d s \([\d,]+ rows\/s\), seed 5\.$/m,
    );
    expect(run.stderr).toMatch(/^seed 100% 320\/320 rows, [\d,]+ rows\/s, ETA 0s$/m);
  }, 30_000);

  it('rejects bad options with a message naming them', async () => {
    const run = await seed('--users', 'many');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--users must be a whole number');
  }, 30_000);

  it('stops cleanly on Ctrl-C: whole batches, and a summary of what was written', async () => {
    const child = spawnTs(
      'src/console/seed.ts',
      [
        '--reset',
        '--yes',
        '--users',
        '10',
        '--posts',
        '2000000',
        '--seed',
        '1',
        '--batch-size',
        '1000',
      ],
      { DATABASE_URL: db.url },
    );
    const done = finished(child);
    await waitForOutput(child.stderr, /^seed /m, 60_000);
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    const match =
      /Interrupted: wrote 10 users and ([\d,]+) posts in .*; no batch was left half-written\./.exec(
        run.stdout,
      );
    expect(match).not.toBeNull();
    const written = Number(match![1].replace(/,/g, ''));
    expect(written % 1000).toBe(0);
    expect(written).toBeLessThan(2_000_000);
    await expect(orm.em.fork().count(Post)).resolves.toBe(written);
  }, 90_000);
});
