import { inspect } from 'node:util';
import { MikroORM, RequestContext, wrap } from '@mikro-orm/core';
import { PostsService } from '../src/posts/posts.service';
import { User } from '../src/users/entities/user.entity';
import { UsersService } from '../src/users/users.service';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/** The tutorial's "play time" session, replayed through the app's services. */
describeEachDatabase('play time (services)', (kind) => {
  let users: UsersService;
  let posts: PostsService;
  /** Each step in a unit of work of its own, as an HTTP request would be. */
  let unitOfWork: <T>(fn: () => Promise<T>) => Promise<T>;

  const ctx = useMigratedApp(kind);

  beforeAll(() => {
    users = ctx.app.get(UsersService);
    posts = ctx.app.get(PostsService);
    const orm = ctx.app.get(MikroORM);
    unitOfWork = (fn) => RequestContext.create(orm.em, fn);
  });

  it('adds john and susan, who print like the tutorial', async () => {
    const john = await unitOfWork(() =>
      users.create({ username: 'john', email: 'john@example.com' }),
    );
    const susan = await unitOfWork(() =>
      users.create({ username: 'susan', email: 'susan@example.com' }),
    );
    expect([john.id, susan.id]).toEqual([1, 2]);
    expect(inspect(john)).toBe('<User john>');

    const all = await unitOfWork(() => users.findAll());
    expect(inspect(all)).toBe('[ <User john>, <User susan> ]');
    expect(all.map((u) => [u.id, u.username])).toEqual([
      [1, 'john'],
      [2, 'susan'],
    ]);
  });

  it('gets a user by id, and 404s an unknown one', async () => {
    await expect(unitOfWork(() => users.findById(1))).resolves.toMatchObject({
      username: 'john',
    });
    await expect(unitOfWork(() => users.findById(99))).rejects.toThrow('user 99 not found');
  });

  it('never serializes the password hash, and loads it only when asked', async () => {
    await unitOfWork(() =>
      users.create({ username: 'temp', email: 'temp@example.com', password: 'long enough' }),
    );
    const temp = (await unitOfWork(() => users.findAll())).find((u) => u.username === 'temp')!;
    expect(temp.passwordHash).toBeUndefined();

    const orm = ctx.app.get(MikroORM);
    const loaded = await orm.em.fork().findOneOrFail(User, temp.id, { populate: ['passwordHash'] });
    expect(loaded.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(loaded)).not.toMatch(/password|scrypt/);
    expect(wrap(loaded).toObject()).not.toHaveProperty('passwordHash');
    expect(wrap(loaded).toJSON()).not.toHaveProperty('passwordHash');
    await unitOfWork(() => users.delete(temp.id));
  });

  it("writes a post for john, found in his posts and not in susan's", async () => {
    const before = Date.now();
    const post = await unitOfWork(() => posts.create({ body: 'my first post!', authorId: 1 }));
    expect(post).toEqual({
      id: 1,
      body: 'my first post!',
      timestamp: expect.any(Date),
      author: { id: 1, username: 'john' },
    });
    expect(post.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(post.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
    const stored = await unitOfWork(() => posts.findById(post.id));
    expect(inspect(stored)).toBe('<Post my first post!>');
    expect(stored.timestamp).toEqual(post.timestamp);

    const johns = await unitOfWork(() => posts.findByAuthor(1));
    expect(johns.map((p) => p.body)).toEqual(['my first post!']);
    await expect(unitOfWork(() => posts.findByAuthor(2))).resolves.toEqual([]);
  });

  it('navigates post.author and user.posts', async () => {
    await unitOfWork(async () => {
      const [post] = await posts.findAllWithAuthors();
      expect(post.author.username).toBe('john');
      const john = await users.findById(1);
      await john.posts.init();
      expect(john.posts.getItems().map((p) => p.body)).toEqual(['my first post!']);
    });
  });

  it('lists all posts with their authors, and users by username descending', async () => {
    const all = await unitOfWork(() => posts.findAllWithAuthors());
    expect(all.map((p) => [p.id, p.author.id, p.author.username, p.body])).toEqual([
      [1, 1, 'john', 'my first post!'],
    ]);
    const desc = await unitOfWork(() => users.findAll('-username'));
    expect(desc.map((u) => u.username)).toEqual(['susan', 'john']);
  });

  it('rolls a failed operation back whole', async () => {
    // The new email is fine but the username is taken: the flush fails, and neither is saved.
    await expect(
      unitOfWork(() => users.update(2, { username: 'john', email: 'new-susan@example.com' })),
    ).rejects.toThrow(/ix_user_username|user\.username/);
    await expect(unitOfWork(() => users.findById(2))).resolves.toMatchObject({
      username: 'susan',
      email: 'susan@example.com',
    });
    await expect(unitOfWork(() => posts.create({ body: 'orphan', authorId: 42 }))).rejects.toThrow(
      'authorId 42 does not refer to an existing user',
    );
    const all = await unitOfWork(() => posts.findAllWithAuthors());
    expect(all.map((p) => p.body)).toEqual(['my first post!']);
  });

  it('deletes everything: john with his posts, susan, then no posts or users remain', async () => {
    await unitOfWork(() => users.delete(1));
    await unitOfWork(() => users.delete(2));
    await expect(unitOfWork(() => users.findAll())).resolves.toEqual([]);
    await expect(unitOfWork(() => posts.findAllWithAuthors())).resolves.toEqual([]);
    await expect(unitOfWork(() => users.delete(1))).rejects.toThrow('user 1 not found');
  });
});
