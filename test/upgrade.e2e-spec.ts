import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Database } from '../src/database/schema';
import { PROJECT_DIR } from './support/processes';
import { bearer, createUser, signIn, uniqueName } from './support/api';
import { createTestApp } from './support/test-app';
import {
  createTestDatabase,
  describeEachDatabase,
  initOrm,
  migrateToLatest,
  type TestDatabase,
} from './support/test-database';
import { loadV6Fixture, V6_CONTENT } from './support/v6-fixtures';

const run = promisify(execFile);

/** Every row of every table, migration history included, exactly as the driver returns it. */
async function everything(orm: MikroORM) {
  const db = (orm.em.fork() as SqlEntityManager).getKysely<Database>();
  return {
    users: await db.selectFrom('user').selectAll().orderBy('id').execute(),
    posts: await db.selectFrom('post').selectAll().orderBy('id').execute(),
    migrations: (
      await db
        .withTables<{ mikro_orm_migrations: { id: number; name: string } }>()
        .selectFrom('mikro_orm_migrations')
        .select(['id', 'name'])
        .orderBy('id')
        .execute()
    ).map(({ id, name }) => [id, name]),
  };
}

/** The migrations that came after release 0.1.0: what upgrading its database applies. */
const SINCE_V6 = ['Migration20261202100000_auth_sessions'];

/**
 * A database made by release 0.1.0 (NestJS 11, MikroORM 6) opens in place with this build:
 * `migration:up` adds what came since and changes no row, the schema agrees with the entities,
 * and the app serves the old rows and signs the old users in (their scrypt hashes are replaced
 * by argon2id at the first sign-in).
 */
describeEachDatabase('upgrade from release 0.1.0 (MikroORM 6)', (kind) => {
  /** A fresh copy of the fixture, for a test of its own. */
  async function fixture(): Promise<TestDatabase> {
    const db = await createTestDatabase(kind);
    await loadV6Fixture(db);
    return db;
  }

  describe('the database', () => {
    let db: TestDatabase;
    let orm: MikroORM;
    let before: Awaited<ReturnType<typeof everything>>;
    const cli = (...args: string[]) =>
      run(process.execPath, ['node_modules/.bin/mikro-orm', ...args], {
        cwd: PROJECT_DIR,
        env: { ...process.env, DATABASE_URL: db.url, FORCE_COLOR: '0' },
      });

    beforeEach(async () => {
      db = await fixture();
      orm = await initOrm(db.url);
      before = await everything(orm);
    });

    afterEach(async () => {
      await orm?.close();
      await db?.remove();
    });

    it('holds what release 0.1.0 wrote (the fixture is what the tests think it is)', () => {
      expect(before.users).toHaveLength(V6_CONTENT.users);
      expect(before.posts).toHaveLength(V6_CONTENT.posts);
      expect(before.users[0]).toMatchObject({
        ...V6_CONTENT.john,
        password_hash: expect.stringMatching(/^scrypt\$ln=15,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/),
      });
      expect(before.migrations).toEqual([
        [1, 'Migration20261126080000_users_table'],
        [2, 'Migration20261126080100_posts_table'],
      ]);
    });

    it('migration:up adds only what came since, changing no row; then migration:check is clean', async () => {
      await expect(cli('migration:pending')).resolves.toMatchObject({
        stdout: expect.stringContaining(SINCE_V6[0]),
      });
      const pending = (await orm.migrator.getPending()).map((migration) => migration.name);
      expect(pending).toEqual(SINCE_V6);
      await expect(cli('migration:up')).resolves.toMatchObject({
        stdout: expect.stringContaining('Successfully migrated up to the latest version'),
      });
      await expect(cli('migration:check')).resolves.toMatchObject({
        stdout: expect.stringContaining('No changes required'),
      });
      await expect(orm.migrator.checkSchema()).resolves.toBe(false);
      await expect(orm.migrator.getPending()).resolves.toEqual([]);
      // Every row as it was, password hashes included; the history only gains the new steps.
      await expect(everything(orm)).resolves.toEqual({
        ...before,
        migrations: [...before.migrations, ...SINCE_V6.map((name, i) => [3 + i, name])],
      });
      // And it goes back: down undoes the accounts migration and nothing else.
      await orm.migrator.down();
      await expect(everything(orm)).resolves.toEqual(before);
    }, 60_000);
  });

  describe('the app on it, upgraded', () => {
    let db: TestDatabase;
    let app: INestApplication;
    let before: Awaited<ReturnType<typeof everything>>;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      db = await fixture();
      const orm = await initOrm(db.url);
      before = await everything(orm);
      await orm.close();
      await migrateToLatest(db.url);
      // The production cost, so that the rehash is the one a real sign-in makes.
      app = await createTestApp(db.url, {}, { productionHashing: true });
    });

    afterAll(async () => {
      await app?.close();
      await db?.remove();
    });

    it('serves its users and posts, timestamps to the millisecond', async () => {
      await http()
        .get('/users/1')
        .expect(200, { id: V6_CONTENT.john.id, username: V6_CONTENT.john.username });
      await http()
        .get('/posts/1')
        .expect(200, { ...V6_CONTENT.firstPost, timestamp: V6_CONTENT.firstPostTimestamp[kind] });
      const { body } = await http().get('/posts?limit=100').expect(200);
      expect(body.items).toHaveLength(V6_CONTENT.posts);
      const ids = (body.items as { id: number }[]).map((p) => p.id).sort((a, b) => a - b);
      expect(ids).toEqual(before.posts.map((p) => p.id));
    });

    it('keeps unicode and 140-character bodies byte for byte', async () => {
      const bodies = new Map(before.posts.map((p) => [p.id, p.body]));
      for (const id of [2, 3, 4]) {
        const { body } = await http().get(`/posts/${id}`).expect(200);
        expect(body.body).toBe(bodies.get(id));
      }
      expect([...bodies.get(4)!]).toHaveLength(140);
    });

    it('signs in a user of 0.1.0 with their old password, and replaces their scrypt hash by argon2id', async () => {
      const { john, johnPassword } = V6_CONTENT;
      await http()
        .post('/auth/login')
        .send({ login: john.username, password: 'wrong one!' })
        .expect(401);
      await expect(hashOf(john.id)).resolves.toMatch(/^scrypt\$/);
      const tokens = await signIn(app, john.username, johnPassword);
      await expect(hashOf(john.id)).resolves.toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      await signIn(app, john.email, johnPassword); // the new hash works, by email too
      await http().get('/users/me').set(bearer(tokens.accessToken)).expect(200, V6_CONTENT.john);
      // And writes as themselves.
      const { body } = await http()
        .post('/posts')
        .set(bearer(tokens.accessToken))
        .send({ body: 'written after the upgrade' })
        .expect(201);
      expect(body.id).toBeGreaterThan(V6_CONTENT.posts);
      expect(body.author).toEqual({ id: john.id, username: john.username });
    });

    it('keeps refusing a user of 0.1.0 who has no password', async () => {
      await http()
        .post('/auth/login')
        .send({ login: V6_CONTENT.susan.username, password: V6_CONTENT.johnPassword })
        .expect(401);
    });

    it('adds new users after the old ones', async () => {
      const { id } = await createUser(app, uniqueName('newcomer'));
      expect(id).toBeGreaterThan(V6_CONTENT.users);
    });

    async function hashOf(id: number): Promise<string | null> {
      const orm = await initOrm(db.url);
      try {
        const row = await (orm.em.fork() as SqlEntityManager)
          .getKysely<Database>()
          .selectFrom('user')
          .select('password_hash')
          .where('id', '=', id)
          .executeTakeFirst();
        return row?.password_hash ?? null;
      } finally {
        await orm.close();
      }
    }
  });
});
