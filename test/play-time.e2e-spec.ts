import { inspect } from 'node:util';
import { MikroORM, wrap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { Post } from '../src/posts/entities/post.entity';
import { User } from '../src/users/entities/user.entity';
import { PasswordHasher } from '../src/users/password-hasher';
import { emptyDatabase } from './support/db-snapshot';
import { TEST_ARGON2_PARAMS, useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/**
 * The tutorial's "play time" session, replayed on the ORM as `npm run shell` offers it: `em` is
 * the session (`db.session`), `User` and `Post` the models. Every test starts from john and
 * susan alone, each in a unit of work of its own.
 */
describeEachDatabase('play time (the shell session)', (kind) => {
  const ctx = useMigratedApp(kind);
  let orm: MikroORM;
  let em: EntityManager;
  let john: User;
  let susan: User;

  beforeEach(async () => {
    orm = ctx.app.get(MikroORM);
    await emptyDatabase(ctx.app);
    const setup = orm.em.fork();
    john = setup.create(User, { username: 'john', email: 'john@example.com' });
    susan = setup.create(User, { username: 'susan', email: 'susan@example.com' });
    await setup.flush();
    em = orm.em.fork() as EntityManager;
  });

  it('adds users who print like the tutorial, and reads them back by id', async () => {
    expect(inspect(john)).toBe('<User john>');
    const all = await em.find(User, {}, { orderBy: { id: 'asc' } });
    expect(inspect(all)).toBe('[ <User john>, <User susan> ]');
    expect(all.map((u) => u.id)).toEqual([john.id, susan.id]);
    await expect(em.findOne(User, john.id)).resolves.toMatchObject({ username: 'john' });
    await expect(em.findOne(User, susan.id + 1000)).resolves.toBeNull();
  });

  it('never serializes the password hash, and loads it only when asked', async () => {
    const temp = em.create(User, {
      username: 'temp',
      email: 'temp@example.com',
      passwordHash: await new PasswordHasher(TEST_ARGON2_PARAMS).hash('correct horse'),
    });
    await em.flush();
    const fresh = orm.em.fork();
    const loaded = await fresh.findOneOrFail(User, temp.id);
    expect(loaded.passwordHash).toBeUndefined();
    const withHash = await fresh.findOneOrFail(User, temp.id, { populate: ['passwordHash'] });
    expect(withHash.passwordHash).toMatch(/^\$argon2id\$v=19\$/);
    expect(JSON.stringify(withHash)).not.toMatch(/password|argon2|scrypt/);
    expect(inspect(withHash)).toBe('<User temp>');
    expect(wrap(withHash).toObject()).not.toHaveProperty('passwordHash');
    expect(wrap(withHash).toJSON()).not.toHaveProperty('passwordHash');
  });

  it("writes a post for john at the current UTC time, in his posts and not in susan's", async () => {
    const before = Date.now();
    const post = em.create(Post, { body: 'my first post!', author: john.id });
    await em.flush();
    expect(inspect(post)).toBe('<Post my first post!>');
    expect(post.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(post.timestamp.getTime()).toBeLessThanOrEqual(Date.now());

    const fresh = orm.em.fork();
    const stored = await fresh.findOneOrFail(Post, post.id);
    expect(stored.timestamp).toEqual(post.timestamp);
    const johns = await fresh.find(Post, { author: john.id });
    expect(johns.map((p) => p.body)).toEqual(['my first post!']);
    await expect(fresh.find(Post, { author: susan.id })).resolves.toEqual([]);
  });

  it('navigates post.author and user.posts', async () => {
    em.create(Post, { body: 'my first post!', author: john.id });
    await em.flush();
    const fresh = orm.em.fork();
    const [post] = await fresh.find(Post, {}, { populate: ['author'] });
    expect(post.author.username).toBe('john');
    const author = await fresh.findOneOrFail(User, john.id);
    await author.posts.init();
    expect(author.posts.getItems().map((p) => p.body)).toEqual(['my first post!']);
  });

  it('lists posts newest first with their authors, and users by username descending', async () => {
    em.create(Post, { body: 'older', author: susan.id, timestamp: new Date(Date.now() - 60_000) });
    em.create(Post, { body: 'newer', author: john.id });
    await em.flush();
    const fresh = orm.em.fork();
    const posts = await fresh.find(
      Post,
      {},
      { populate: ['author'], orderBy: { timestamp: 'desc', id: 'desc' } },
    );
    expect(posts.map((p) => [p.author.username, p.body])).toEqual([
      ['john', 'newer'],
      ['susan', 'older'],
    ]);
    const users = await fresh.find(User, {}, { orderBy: { username: 'desc' } });
    expect(users.map((u) => u.username)).toEqual(['susan', 'john']);
  });

  it('rolls a failed flush back whole', async () => {
    // The new email is fine but the username is taken: the flush fails, and neither is saved.
    const target = await em.findOneOrFail(User, susan.id);
    target.username = 'john';
    target.email = 'new-susan@example.com';
    await expect(em.flush()).rejects.toThrow(/ix_user_username|user\.username/);
    await expect(orm.em.fork().findOneOrFail(User, susan.id)).resolves.toMatchObject({
      username: 'susan',
      email: 'susan@example.com',
    });
  });

  it('deletes everything: posts first, then the users', async () => {
    em.create(Post, { body: 'my first post!', author: john.id });
    await em.flush();
    for (const post of await em.find(Post, {})) {
      em.remove(post);
    }
    for (const user of await em.find(User, {})) {
      em.remove(user);
    }
    await em.flush();
    const fresh = orm.em.fork();
    await expect(fresh.count(User)).resolves.toBe(0);
    await expect(fresh.count(Post)).resolves.toBe(0);
  });
});
