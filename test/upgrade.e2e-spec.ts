import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Database } from '../src/database/schema';
import { PROJECT_DIR } from './support/processes';
import { readSchema } from './support/schema';
import { createTestApp } from './support/test-app';
import {
  createTestDatabase,
  describeEachDatabase,
  initOrm,
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

/**
 * A database made by release 0.1.0 (NestJS 11, MikroORM 6) opens in place with this
 * build: nothing to migrate, the schema agrees with the entities, every row is intact, and the
 * app serves them.
 */
describeEachDatabase('upgrade from release 0.1.0 (MikroORM 6)', (kind) => {
  let db: TestDatabase;
  let orm: MikroORM;
  let before: Awaited<ReturnType<typeof everything>>;
  const cli = (...args: string[]) =>
    run(process.execPath, ['node_modules/.bin/mikro-orm', ...args], {
      cwd: PROJECT_DIR,
      env: { ...process.env, DATABASE_URL: db.url, FORCE_COLOR: '0' },
    });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await loadV6Fixture(db);
    orm = await initOrm(db.url);
    before = await everything(orm);
  });

  afterAll(async () => {
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

  it('finds nothing to migrate and a schema that agrees with the entities, changing nothing', async () => {
    const schema = await readSchema(orm);
    await expect(cli('migration:pending')).resolves.toMatchObject({
      stdout: expect.not.stringContaining('Migration2'),
    });
    await expect(cli('migration:up')).resolves.toMatchObject({
      stdout: expect.stringContaining('Successfully migrated up to the latest version'),
    });
    await expect(cli('migration:check')).resolves.toMatchObject({
      stdout: expect.stringContaining('No changes required'),
    });
    await expect(orm.migrator.checkSchema()).resolves.toBe(false);
    await expect(readSchema(orm)).resolves.toEqual(schema);
    // Every row as it was, password hashes included, and no migration recorded twice.
    await expect(everything(orm)).resolves.toEqual(before);
  }, 60_000);

  describe('the app on it', () => {
    let app: INestApplication;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      app = await createTestApp(db.url);
    });

    afterAll(() => app?.close());

    it('serves its users and posts, timestamps to the millisecond', async () => {
      await http().get('/users/1').expect(200, V6_CONTENT.john);
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
  });

  describe('writes after the upgrade (on a database of their own)', () => {
    let own: TestDatabase;
    let app: INestApplication;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      own = await createTestDatabase(kind);
      await loadV6Fixture(own);
      app = await createTestApp(own.url);
    });

    afterAll(async () => {
      await app?.close();
      await own?.remove();
    });

    it('adds new rows after the old ones', async () => {
      const { body } = await http()
        .post('/posts')
        .send({ body: 'written after the upgrade', authorId: V6_CONTENT.john.id })
        .expect(201);
      expect(body.id).toBeGreaterThan(V6_CONTENT.posts);
      await http()
        .post('/users')
        .send({ username: 'newcomer', email: 'newcomer@example.com' })
        .expect(201)
        .expect(({ body: user }) => expect(user.id).toBeGreaterThan(V6_CONTENT.users));
    });
  });
});
