import { ConfigService } from '@nestjs/config';
import { CursorCodec } from '../src/common/pagination/cursor-codec';
import { MikroORM } from '@mikro-orm/core';
import { type CompiledQuery, Kysely } from 'kysely';
import { collectPages, createPost, createUser, uniqueName } from './support/api';
import { Post } from '../src/posts/entities/post.entity';
import { User } from '../src/users/entities/user.entity';
import { snapshotDatabase, sqlOf } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

type PostJson = {
  id: number;
  body: string;
  timestamp: string;
  author: { id: number; username: string };
};

describeEachDatabase('/posts', (kind) => {
  let john: { id: number };
  let susan: { id: number };

  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  beforeAll(async () => {
    john = await createUser(ctx.app, 'john');
    susan = await createUser(ctx.app, 'susan');
  });

  describe('POST /posts', () => {
    it('creates a post with a server-set UTC timestamp, its author, and a Location', async () => {
      const before = Date.now();
      const res = await http()
        .post('/posts')
        .send({ body: 'my first post!', authorId: john.id })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        body: 'my first post!',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        author: { id: john.id, username: 'john' },
      });
      expect(res.headers.location).toBe(`/posts/${res.body.id}`);
      const at = Date.parse(res.body.timestamp);
      expect(at).toBeGreaterThanOrEqual(before - 1);
      expect(at).toBeLessThanOrEqual(Date.now());
      // Read back from the database: the same post, to the millisecond.
      await http().get(res.headers.location).expect(200).expect(res.body);
    });

    it('ignores nothing: a client-sent timestamp is an unknown field (400)', async () => {
      const res = await http()
        .post('/posts')
        .send({ body: 'x', authorId: john.id, timestamp: '2000-01-01T00:00:00Z' })
        .expect(400);
      expect(res.body.message).toBe('property timestamp should not exist');
    });

    it('counts characters, not UTF-16 units: 140 emoji fit, 141 do not', async () => {
      const ok = '🎉'.repeat(140);
      const res = await http().post('/posts').send({ body: ok, authorId: john.id }).expect(201);
      expect(res.body.body).toBe(ok);
      const tooLong = await http()
        .post('/posts')
        .send({ body: '🎉'.repeat(141), authorId: john.id })
        .expect(400);
      expect(tooLong.body.message).toBe('body must be at most 140 characters');
    });

    it('stores and returns unicode text byte-for-byte', async () => {
      const body = "e\u0301 مرحبا 👩‍👩‍👧 '; drop table post; -- <b>";
      const created = await http().post('/posts').send({ body, authorId: susan.id }).expect(201);
      const fetched = await http().get(`/posts/${created.body.id}`).expect(200);
      expect(fetched.body.body).toBe(body);
    });

    it.each([
      [{ authorId: 1 }, 'body must be a string'],
      [{ body: '', authorId: 1 }, 'body must not be empty or only whitespace'],
      [{ body: ' \n\t ', authorId: 1 }, 'body must not be empty or only whitespace'],
      [{ body: 'x'.repeat(141), authorId: 1 }, 'body must be at most 140 characters'],
      [{ body: 'a\u0000b', authorId: 1 }, 'body must not contain NUL characters'],
      [{ body: 7, authorId: 1 }, 'body must be a string'],
      [{ body: 'hi' }, 'authorId must be a positive integer'],
      [{ body: 'hi', authorId: '1' }, 'authorId must be a positive integer'],
      [{ body: 'hi', authorId: 0 }, 'authorId must be a positive integer'],
      [{ body: 'hi', authorId: 1.5 }, 'authorId must be a positive integer'],
      [{ body: 'hi', authorId: 1e20 }, 'authorId must be a positive integer'],
    ])('400s %j naming the field, changing nothing', async (body, message) => {
      const before = await snapshotDatabase(ctx.app);
      const res = await http().post('/posts').send(body).expect(400);
      expect(res.body.message).toContain(message);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('422s an authorId that refers to no user, naming it', async () => {
      const before = await snapshotDatabase(ctx.app);
      await http().post('/posts').send({ body: 'orphan', authorId: 424242 }).expect(422).expect({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: 'authorId 424242 does not refer to an existing user',
      });
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });
  });

  describe('GET, PATCH, DELETE /posts/:id', () => {
    it('gets a post with its author', async () => {
      const post = await createPost(ctx.app, john.id, 'read me');
      await http()
        .get(`/posts/${post.id}`)
        .expect(200)
        .expect({ ...post, author: { id: john.id, username: 'john' } });
    });

    it('edits the body, keeping the timestamp and author', async () => {
      const post = await createPost(ctx.app, john.id, 'draft');
      const res = await http().patch(`/posts/${post.id}`).send({ body: 'final' }).expect(200);
      expect(res.body).toEqual({ ...post, body: 'final' });
      await http().get(`/posts/${post.id}`).expect(200, res.body);
    });

    it('400s a bad edit (including trying to move the post), 404s an unknown post', async () => {
      const post = await createPost(ctx.app, john.id, 'stay');
      const before = await snapshotDatabase(ctx.app);
      await http().patch(`/posts/${post.id}`).send({ body: '' }).expect(400);
      await http().patch(`/posts/${post.id}`).send({ body: 'x', authorId: susan.id }).expect(400);
      await http().patch(`/posts/${post.id}`).send({}).expect(400);
      await http().patch('/posts/999999').send({ body: 'x' }).expect(404);
      await http().patch('/posts/x').send({ body: 'x' }).expect(400);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('deletes a post, then 404s it', async () => {
      const post = await createPost(ctx.app, john.id, 'bye');
      await http().delete(`/posts/${post.id}`).expect(204);
      await http().get(`/posts/${post.id}`).expect(404);
      await http().delete(`/posts/${post.id}`).expect(404);
      await http().delete('/posts/-3').expect(400);
    });
  });

  describe('listings', () => {
    let reader: { id: number };

    beforeAll(async () => {
      reader = await createUser(ctx.app, 'reader');
      for (let i = 1; i <= 12; i++) {
        await createPost(ctx.app, reader.id, `reader post ${i}`);
      }
      for (let i = 1; i <= 3; i++) {
        await createPost(ctx.app, susan.id, `susan post ${i}`);
      }
    });

    it("GET /users/:id/posts: the user's posts, newest first", async () => {
      const { items } = await collectPages<PostJson>(ctx.app, `/users/${reader.id}/posts?limit=5`);
      expect(items.map((p) => p.body)).toEqual(
        Array.from({ length: 12 }, (_, i) => `reader post ${12 - i}`),
      );
      expect(items.every((p) => p.author.username === 'reader')).toBe(true);
    });

    it('GET /users/:id/posts 404s an unknown user, and is empty for a user with no posts', async () => {
      await http().get('/users/999999/posts').expect(404, {
        statusCode: 404,
        error: 'Not Found',
        message: 'user 999999 not found',
      });
      const quiet = await createUser(ctx.app, 'quiet');
      await http().get(`/users/${quiet.id}/posts`).expect(200, { items: [], nextCursor: null });
    });

    it('GET /posts: newest first, each with its author, in one SQL query', async () => {
      // The newest ten posts, whatever other tests wrote before: five each by two authors.
      const authors = [await createUser(ctx.app, uniqueName('first')), john];
      for (let i = 0; i < 10; i++) {
        await createPost(ctx.app, authors[i % 2].id, `newest ${i}`);
      }
      // Every statement, the ORM's and the read queries', reaches the database through Kysely.
      const executed = jest.spyOn(Kysely.prototype, 'executeQuery');
      const res = await http().get('/posts?limit=10').expect(200);
      const queries = executed.mock.calls.map(([query]) => (query as CompiledQuery).sql);
      executed.mockRestore();

      const items = res.body.items as PostJson[];
      expect(items).toHaveLength(10);
      const order = items.map((p) => [Date.parse(p.timestamp), p.id]);
      expect(order).toEqual([...order].sort(([ta, ia], [tb, ib]) => tb - ta || ib - ia));
      expect(new Set(items.map((p) => p.author.username)).size).toBeGreaterThan(1);
      expect(items.map((p) => p.body)).toEqual(
        Array.from({ length: 10 }, (_, i) => `newest ${9 - i}`),
      );
      expect(queries).toHaveLength(1);
      expect(queries[0]).toMatch(/join [`"]user[`"]/);
    });

    it('pages with inserts in between: no post skipped or repeated, order total', async () => {
      const existing = await sqlOf(ctx.app).selectFrom('post').select('id').execute();
      const { items, pages } = await collectPages<PostJson>(
        ctx.app,
        '/posts?limit=4',
        async (page) => {
          await createPost(ctx.app, john.id, `inserted while paging ${page}`);
        },
      );
      expect(pages).toBeGreaterThan(3);
      const seen = items.map((p) => p.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(
        existing.map((p) => p.id).sort((a, b) => a - b),
      );
    });

    it('breaks timestamp ties by id, so equal timestamps never lose or repeat a post', async () => {
      const tied = await createUser(ctx.app, 'tied');
      const at = Date.parse('2020-01-01T00:00:00Z');
      const em = ctx.app.get(MikroORM).em.fork();
      for (let i = 0; i < 9; i++) {
        em.create(Post, {
          body: `tie ${i}`,
          timestamp: new Date(at),
          author: em.getReference(User, tied.id),
        });
      }
      await em.flush();
      const { items } = await collectPages<PostJson>(ctx.app, `/users/${tied.id}/posts?limit=2`);
      const ids = items.map((p) => p.id);
      expect(ids).toHaveLength(9);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(items.every((p) => p.timestamp === '2020-01-01T00:00:00.000Z')).toBe(true);
    });

    it('400s a correctly signed cursor that carries an impossible position', async () => {
      const codec = new CursorCodec(ctx.app.get(ConfigService).getOrThrow<string>('CURSOR_SECRET'));
      for (const key of [
        [1e300, 1],
        [Date.now(), 2 ** 40],
        [1.5, 1],
      ] as [number, number][]) {
        const res = await http()
          .get(`/posts?cursor=${codec.encode('posts', key)}`)
          .expect(400);
        expect(res.body.message).toBe('cursor is malformed or has been altered');
      }
    });

    it('400s a bad limit, a tampered cursor, and a cursor from another listing', async () => {
      await http().get('/posts?limit=101').expect(400);
      await http().get('/posts?limit=-1').expect(400);
      const page = await http().get('/posts?limit=1').expect(200);
      const cursor = page.body.nextCursor as string;
      const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
      const bad = await http().get(`/posts?cursor=${tampered}`).expect(400);
      expect(bad.body.message).toBe('cursor is malformed or has been altered');
      const other = await http().get(`/users/${reader.id}/posts?cursor=${cursor}`).expect(400);
      expect(other.body.message).toBe('cursor belongs to a different listing or sort order');
      const users = await http().get(`/users?cursor=${cursor}`).expect(400);
      expect(users.body.message).toBe('cursor belongs to a different listing or sort order');
    });
  });
});
