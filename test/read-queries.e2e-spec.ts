import {
  ForeignKeyConstraintViolationException,
  MikroORM,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { type CompiledQuery, Kysely, sql } from 'kysely';
import type { QueryDatabase } from '../src/database/query-database';
import { QUERY_DATABASE } from '../src/database/read-queries';
import { Post } from '../src/posts/entities/post.entity';
import { PostQueries } from '../src/posts/post.queries';
import { User } from '../src/users/entities/user.entity';
import { UserQueries } from '../src/users/user.queries';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

let serial = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++serial}`;

/**
 * The read side's one base (`QueryDatabase`, under every `*.queries.ts`): what makes a query
 * that skips the entities safe, checked on every database.
 */
describeEachDatabase('read queries', (kind) => {
  const ctx = useMigratedApp(kind);
  let orm: MikroORM;
  let db: QueryDatabase;
  let users: UserQueries;
  let posts: PostQueries;

  beforeAll(() => {
    orm = ctx.app.get(MikroORM);
    db = ctx.app.get(QUERY_DATABASE);
    users = ctx.app.get(UserQueries);
    posts = ctx.app.get(PostQueries);
  });

  /** A user and one post of theirs, written through the unit of work. */
  async function userWithPost(timestamp = new Date()) {
    const em = orm.em.fork();
    const name = unique('rq');
    const user = em.create(User, { username: name, email: `${name}@example.com` });
    const post = em.create(Post, { body: `by ${name}`, author: user, timestamp });
    await em.flush();
    return { user, post };
  }

  it('turns driver errors into MikroORM exceptions, as the ORM does (a 409 or 422, not a 500)', async () => {
    const { user } = await userWithPost();
    await expect(
      db
        .insertInto('post')
        .values({ body: 'orphan', timestamp: new Date(), user_id: 2_000_000_000 })
        .execute(),
    ).rejects.toBeInstanceOf(ForeignKeyConstraintViolationException);
    await expect(
      db
        .insertInto('user')
        .values({ username: user.username, email: 'other@example.com' })
        .execute(),
    ).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    await expect(sql`select * from no_such_table`.execute(db)).rejects.toMatchObject({
      name: 'TableNotFoundException',
    });
  });

  it("reads inside the EntityManager's transaction: what it flushed, and nothing once rolled back", async () => {
    const name = unique('tx');
    const seen = await orm.em
      .fork()
      .transactional(async (em) => {
        const user = em.create(User, { username: name, email: `${name}@example.com` });
        await em.flush();
        const inside = await users.findView(user.id);
        const account = await users.findAccount(user.id);
        throw Object.assign(new Error('roll back'), { inside, account, id: user.id });
      })
      .catch((err: { inside: unknown; account: unknown; id: number }) => err);
    // The public view has no email; the account (the owner's own view) has it.
    expect(seen.inside).toEqual({ id: seen.id, username: name });
    expect(seen.account).toEqual({ id: seen.id, username: name, email: `${name}@example.com` });
    await expect(users.findView(seen.id)).resolves.toBeUndefined();
    await expect(users.findAccount(seen.id)).resolves.toBeUndefined();
  });

  it('refuses transactions of its own: writes go through the unit of work', async () => {
    await expect(db.transaction().execute(() => Promise.resolve('never'))).rejects.toThrow(
      /em\.transactional/,
    );
  });

  it('returns values as the entities hold them: a Date to the millisecond on every database', async () => {
    const timestamp = new Date('2026-02-03T04:05:06.789Z');
    const { user, post } = await userWithPost(timestamp);
    await expect(posts.findView(post.id)).resolves.toEqual({
      id: post.id,
      body: post.body,
      timestamp,
      author: { id: user.id, username: user.username },
    });
    const [first] = await posts.findViewPage(1, [timestamp.getTime() + 1, 1], user.id);
    expect(first.timestamp).toEqual(timestamp);
    // Also under another name, and with every column.
    const renamed = await db
      .selectFrom('post as p')
      .select(['p.id', 'p.timestamp as at'])
      .where('p.id', '=', post.id)
      .executeTakeFirstOrThrow();
    expect(renamed).toEqual({ id: post.id, at: timestamp });
    const whole = await db
      .selectFrom('post')
      .selectAll()
      .where('id', '=', post.id)
      .executeTakeFirstOrThrow();
    expect(whole).toEqual({ id: post.id, body: post.body, timestamp, user_id: user.id });
  });

  it('binds values as parameters, never writing them into the SQL text', async () => {
    const { user } = await userWithPost();
    const executed = jest.spyOn(Kysely.prototype, 'executeQuery');
    let queries: CompiledQuery[];
    try {
      await users.findView(user.id);
      await posts.findViewPage(5, [Date.now(), 999_999], user.id);
      queries = executed.mock.calls.map(([query]) => query as CompiledQuery);
    } finally {
      executed.mockRestore();
    }
    expect(queries).toHaveLength(2);
    expect(queries[0].parameters).toContain(user.id);
    // Not the id in the text (PostgreSQL's placeholders are $1, $2, ... and may hold its digits).
    expect(queries[0].sql).not.toMatch(new RegExp(`(?<![$\\d])${user.id}(?!\\d)`));
    expect(queries[1].parameters).toEqual(expect.arrayContaining([user.id, 999_999, 5]));
    expect(queries[1].sql).not.toMatch(/999999/);
  });

  it('takes its names from the entities: a wrong table or column does not compile', () => {
    const compileOnly = () => {
      // @ts-expect-error `posts` is no table: the entity's table is `post`.
      db.selectFrom('posts');
      // @ts-expect-error `author` is the property; its column is `user_id`.
      db.selectFrom('post').select('author');
      // @ts-expect-error the hash column is `password_hash`.
      db.selectFrom('user').select('passwordHash');
      // @ts-expect-error `tokenHash` is the property; its column is `token_hash`.
      db.selectFrom('refresh_token').select('tokenHash');
      // @ts-expect-error `user` is the property; its column is `user_id`.
      db.selectFrom('auth_session').select('user');
    };
    expect(compileOnly).toBeInstanceOf(Function);
  });
});
