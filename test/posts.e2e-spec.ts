import { ConfigService } from '@nestjs/config';
import { CursorCodec } from '../src/common/pagination/cursor-codec';
import { MikroORM } from '@mikro-orm/core';
import { type CompiledQuery, Kysely } from 'kysely';
import { SessionQueries } from '../src/auth/session.queries';
import {
  type Account,
  bearer,
  collectPages,
  createPost,
  createUser,
  uniqueName,
} from './support/api';
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
  let john: Account;
  let susan: Account;

  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  beforeAll(async () => {
    john = await createUser(ctx.app, 'john');
    susan = await createUser(ctx.app, 'susan');
  });

  describe('POST /posts', () => {
    it('creates a post by the signed-in user, with a server-set UTC timestamp and a Location', async () => {
      const before = Date.now();
      const res = await http()
        .post('/posts')
        .set(john.auth)
        .send({ body: 'my first post!' })
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

    it("the token decides the author: susan's token writes susan's post", async () => {
      const res = await http()
        .post('/posts')
        .set(susan.auth)
        .send({ body: 'by susan' })
        .expect(201);
      expect(res.body.author).toEqual({ id: susan.id, username: 'susan' });
      const row = await sqlOf(ctx.app)
        .selectFrom('post')
        .select('user_id')
        .where('id', '=', res.body.id)
        .executeTakeFirstOrThrow();
      expect(row.user_id).toBe(susan.id);
    });

    it('ignores nothing: a client-sent timestamp is an unknown field (400)', async () => {
      const res = await http()
        .post('/posts')
        .set(john.auth)
        .send({ body: 'x', timestamp: '2000-01-01T00:00:00Z' })
        .expect(400);
      expect(res.body.message).toBe('property timestamp should not exist');
    });

    it('counts characters, not UTF-16 units: 140 emoji fit, 141 do not', async () => {
      const ok = '🎉'.repeat(140);
      const res = await http().post('/posts').set(john.auth).send({ body: ok }).expect(201);
      expect(res.body.body).toBe(ok);
      const tooLong = await http()
        .post('/posts')
        .set(john.auth)
        .send({ body: '🎉'.repeat(141) })
        .expect(400);
      expect(tooLong.body.message).toBe('body must be at most 140 characters');
    });

    it('stores and returns unicode text byte-for-byte', async () => {
      const body = "e\u0301 مرحبا 👩‍👩‍👧 '; drop table post; -- <b>";
      const created = await http().post('/posts').set(susan.auth).send({ body }).expect(201);
      const fetched = await http().get(`/posts/${created.body.id}`).expect(200);
      expect(fetched.body.body).toBe(body);
    });

    it.each([
      [{}, 'body must be a string'],
      [{ body: '' }, 'body must not be empty or only whitespace'],
      [{ body: ' \n\t ' }, 'body must not be empty or only whitespace'],
      [{ body: 'x'.repeat(141) }, 'body must be at most 140 characters'],
      [{ body: 'a\u0000b' }, 'body must not contain NUL characters'],
      [{ body: 7 }, 'body must be a string'],
      [{ body: null }, 'body must be a string'],
    ])('400s %j naming the field, changing nothing', async (body, message) => {
      const before = await snapshotDatabase(ctx.app);
      const res = await http().post('/posts').set(john.auth).send(body).expect(400);
      expect(res.body.message).toContain(message);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    // There is no authorId any more: sending one, even one's own, is an unknown field.
    it.each([
      ["susan's id", () => susan.id],
      ["john's own id", () => john.id],
      ['"1"', () => '1'],
      ['0', () => 0],
      ['1.5', () => 1.5],
      ['1e20', () => 1e20],
    ])('400s an authorId (%s): nobody posts as someone else, changing nothing', async (_, id) => {
      const before = await snapshotDatabase(ctx.app);
      const res = await http()
        .post('/posts')
        .set(john.auth)
        .send({ body: 'hi', authorId: id() })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'property authorId should not exist',
      });
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('401s a post without a valid access token, with a Bearer challenge, changing nothing', async () => {
      const before = await snapshotDatabase(ctx.app);
      const anonymous = await http().post('/posts').send({ body: 'who am I?' }).expect(401);
      expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="microblog"');
      for (const auth of [
        bearer('not.a.token'),
        bearer(`${john.accessToken.slice(0, -2)}xx`),
        { Authorization: `Basic ${Buffer.from('john:secret').toString('base64')}` },
        { Authorization: john.accessToken },
      ]) {
        const res = await http().post('/posts').set(auth).send({ body: 'who am I?' }).expect(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="microblog"/);
      }
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('422s a post by a user deleted between the token check and the insert', async () => {
      const ghost = await createUser(ctx.app, uniqueName('ghost'));
      // The guard finds the session; the user is deleted right after (their sessions with them).
      const sessions = ctx.app.get(SessionQueries);
      const findPrincipal = sessions.findPrincipal.bind(sessions);
      const spy = jest.spyOn(sessions, 'findPrincipal').mockImplementationOnce(async (...args) => {
        const principal = await findPrincipal(...args);
        await sqlOf(ctx.app).deleteFrom('user').where('id', '=', ghost.id).execute();
        return principal;
      });
      try {
        await expect(
          sqlOf(ctx.app).selectFrom('user').select('id').where('id', '=', ghost.id).execute(),
        ).resolves.toHaveLength(1);
        const res = await http().post('/posts').set(ghost.auth).send({ body: 'orphan' });
        expect(spy).toHaveBeenCalledTimes(1);
        expect(res.status).toBe(422);
        expect(res.body).toEqual({
          statusCode: 422,
          error: 'Unprocessable Entity',
          message: 'the request refers to a user that does not exist',
        });
      } finally {
        spy.mockRestore();
      }
      const orphans = await sqlOf(ctx.app)
        .selectFrom('post')
        .select('id')
        .where('user_id', '=', ghost.id)
        .execute();
      expect(orphans).toEqual([]);
      // And from now on the token is refused outright.
      await http().post('/posts').set(ghost.auth).send({ body: 'orphan' }).expect(401);
    });
  });

  describe('GET, PATCH, DELETE /posts/:id', () => {
    it('gets a post with its author, without their email, no token needed', async () => {
      const post = await createPost(ctx.app, john, 'read me');
      const res = await http()
        .get(`/posts/${post.id}`)
        .expect(200)
        .expect({ ...post, author: { id: john.id, username: 'john' } });
      expect(res.text).not.toContain(john.email);
    });

    it('edits the body as its author, keeping the timestamp and author', async () => {
      const post = await createPost(ctx.app, john, 'draft');
      const res = await http()
        .patch(`/posts/${post.id}`)
        .set(john.auth)
        .send({ body: 'final' })
        .expect(200);
      expect(res.body).toEqual({ ...post, body: 'final' });
      await http().get(`/posts/${post.id}`).expect(200, res.body);
    });

    it('400s a bad edit (including trying to move the post), 404s an unknown post', async () => {
      const post = await createPost(ctx.app, john, 'stay');
      const patch = (path: string) => http().patch(path).set(john.auth);
      const before = await snapshotDatabase(ctx.app);
      await patch(`/posts/${post.id}`).send({ body: '' }).expect(400);
      const moved = await patch(`/posts/${post.id}`)
        .send({ body: 'x', authorId: susan.id })
        .expect(400);
      expect(moved.body.message).toBe('property authorId should not exist');
      await patch(`/posts/${post.id}`).send({}).expect(400);
      await patch('/posts/999999')
        .send({ body: 'x' })
        .expect(404, { statusCode: 404, error: 'Not Found', message: 'post 999999 not found' });
      await patch('/posts/x').send({ body: 'x' }).expect(400);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('deletes a post as its author, then 404s it', async () => {
      const post = await createPost(ctx.app, john, 'bye');
      await http().delete(`/posts/${post.id}`).set(john.auth).expect(204).expect('');
      await http().get(`/posts/${post.id}`).expect(404);
      await http().delete(`/posts/${post.id}`).set(john.auth).expect(404);
      await http().delete('/posts/-3').set(john.auth).expect(400);
    });

    it("403s an edit or a delete of someone else's post, changing nothing", async () => {
      const post = await createPost(ctx.app, john, 'mine alone');
      const before = await snapshotDatabase(ctx.app);
      const edit = await http()
        .patch(`/posts/${post.id}`)
        .set(susan.auth)
        .send({ body: 'hijacked' })
        .expect(403);
      expect(edit.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: `post ${post.id} is not yours: only its author may change it`,
      });
      await http().delete(`/posts/${post.id}`).set(susan.auth).expect(403);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      await http().get(`/posts/${post.id}`).expect(200, post);
    });

    it('401s an edit or a delete without a token, changing nothing', async () => {
      const post = await createPost(ctx.app, john, 'guarded');
      const before = await snapshotDatabase(ctx.app);
      const edit = await http().patch(`/posts/${post.id}`).send({ body: 'anonymous' }).expect(401);
      expect(edit.headers['www-authenticate']).toMatch(/^Bearer /);
      const remove = await http().delete(`/posts/${post.id}`).expect(401);
      expect(remove.headers['www-authenticate']).toMatch(/^Bearer /);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });
  });

  describe('listings', () => {
    let reader: Account;

    beforeAll(async () => {
      reader = await createUser(ctx.app, 'reader');
      for (let i = 1; i <= 12; i++) {
        await createPost(ctx.app, reader, `reader post ${i}`);
      }
      for (let i = 1; i <= 3; i++) {
        await createPost(ctx.app, susan, `susan post ${i}`);
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
        await createPost(ctx.app, authors[i % 2], `newest ${i}`);
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
      // Authors are public users: no email.
      for (const post of items) {
        expect(Object.keys(post.author).sort()).toEqual(['id', 'username']);
      }
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
          await createPost(ctx.app, john, `inserted while paging ${page}`);
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
