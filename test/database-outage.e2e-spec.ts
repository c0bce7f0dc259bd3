import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';
import type { App } from 'supertest/types';
import { createPost, createUser, type Account, uniqueName } from './support/api';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp } from './support/test-app';
import {
  createTestDatabase,
  migrateToLatest,
  testDatabaseKinds,
  type TestDatabase,
} from './support/test-database';

/** What every answer is while the database is unreachable or went away. */
const UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'the database is unavailable; retry the request',
};

/** A sign-up's body for a new username (the password hashes at the tests' low cost). */
function newUser() {
  const username = uniqueName('outage');
  return { username, email: `${username}@example.com`, password: 'outage password 1' };
}

/** Starts a supertest request now (they are lazy), and says whether it has been answered. */
function inFlight(test: request.Test): { answered: () => boolean; response: Promise<Response> } {
  let done = false;
  const response = test.then((res) => {
    done = true;
    return res;
  });
  return { answered: () => done, response };
}

/**
 * The app in-process on a PostgreSQL or MariaDB database reached through a TCP proxy, which
 * drops every connection and refuses new ones (`cut`, as a server that is down or restarting
 * does) or holds them without an answer (`stall`), then forwards again (`restore`): the app is
 * never restarted.
 */
for (const kind of testDatabaseKinds().filter((k) => k !== 'sqlite')) {
  describe(`the database going away [${kind}]`, () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    let app: INestApplication<App>;
    let author: Account;
    let postId: number;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      await migrateToLatest(db.url);
      const server = new URL(db.url);
      proxy = await TcpProxy.start(server.hostname, Number(server.port));
      app = await createTestApp(proxy.through(db.url));
      author = await createUser(app, uniqueName('author'));
      postId = (await createPost(app, author, 'written before the outage')).id;
    });
    afterAll(async () => {
      await app?.close();
      await proxy?.close();
      await db?.remove();
    });
    afterEach(() => proxy.restore());

    it('answers every request that needs the database with a 503 and Retry-After, never a 500', async () => {
      await proxy.cut();
      const requests: [string, () => request.Test][] = [
        ['GET /posts', () => http().get('/posts')],
        [`GET /posts/${postId}`, () => http().get(`/posts/${postId}`)],
        ['GET /users', () => http().get('/users')],
        [`GET /users/${author.id}/posts`, () => http().get(`/users/${author.id}/posts`)],
        ['GET /users/me', () => http().get('/users/me').set(author.auth)],
        ['POST /posts', () => http().post('/posts').set(author.auth).send({ body: 'lost?' })],
        [
          `PATCH /posts/${postId}`,
          () => http().patch(`/posts/${postId}`).set(author.auth).send({ body: 'edited?' }),
        ],
        [`DELETE /posts/${postId}`, () => http().delete(`/posts/${postId}`).set(author.auth)],
        ['POST /users', () => http().post('/users').send(newUser())],
        [
          'POST /auth/login',
          () => http().post('/auth/login').send({ login: author.username, password: 'x' }),
        ],
        [
          'POST /auth/refresh',
          () => http().post('/auth/refresh').send({ refreshToken: author.refreshToken }),
        ],
      ];
      for (const [name, send] of requests) {
        const res = await send();
        expect({ name, status: res.status, body: res.body as unknown }).toEqual({
          name,
          status: 503,
          body: UNAVAILABLE,
        });
        expect({ name, retryAfter: res.headers['retry-after'] }).toEqual({ name, retryAfter: '3' });
      }
      const health = await http().get('/health');
      expect(health.status).toBe(503);
      expect(health.headers['retry-after']).toMatch(/^\d+$/);
    }, 30_000);

    it('serves again once the database is back, without a restart, and lost nothing acknowledged', async () => {
      await proxy.cut();
      await http().get('/posts').expect(503);
      await proxy.restore();

      await http().get('/health').expect(200);
      const post = await http().get(`/posts/${postId}`).expect(200);
      expect(post.body).toMatchObject({ id: postId, body: 'written before the outage' });
      const written = await createPost(app, author, 'written after the outage');
      await http().get(`/posts/${written.id}`).expect(200);
      await http().get('/users/me').set(author.auth).expect(200);
    }, 30_000);

    it('retries a read whose connection drops under it, and answers it once the server is back', async () => {
      await http().get('/posts').expect(200); // a pooled connection, through the proxy
      proxy.stall();
      const read = inFlight(http().get(`/posts/${postId}`));
      await sleep(500);
      expect(read.answered()).toBe(false); // waiting on a connection that passes nothing on

      await proxy.restore(); // drops the stalled connections, forwards new ones
      const res = await read.response;
      expect({ status: res.status, body: res.body as unknown }).toMatchObject({
        status: 200,
        body: { id: postId, body: 'written before the outage' },
      });
    }, 30_000);

    it('never retries a write: it answers 503, and a write that never reached the server is not there', async () => {
      await http().get('/posts').expect(200);
      proxy.stall();
      const user = newUser();
      const signUp = inFlight(http().post('/users').send(user));
      await sleep(1000); // the password hash, then the insert's transaction waits on the proxy
      expect(signUp.answered()).toBe(false);

      await proxy.restore();
      const res = await signUp.response;
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 503,
        body: UNAVAILABLE,
      });
      expect(res.headers['retry-after']).toBe('3');
      // Nothing was written: the same username and email are still free.
      await http().post('/users').send(user).expect(201);
    }, 30_000);

    it('gives up on a server that accepts connections but never answers after 5 s: a 503, not a hang', async () => {
      proxy.stall();
      await proxy.restore(); // drops every pooled connection
      await sleep(200); // the pool hears of it
      proxy.stall(); // new connections are accepted, and nothing is ever answered
      const started = Date.now();
      const res = await http().get('/posts');
      const waited = Date.now() - started;
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 503,
        body: UNAVAILABLE,
      });
      expect(res.headers['retry-after']).toBe('3');
      expect(waited).toBeGreaterThanOrEqual(4_500); // CONNECT_TIMEOUT_MS
      expect(waited).toBeLessThan(9_000); // well within REQUEST_TIMEOUT (10 s)
    }, 30_000);

    it('gives back the pool connection of every transaction the outage broke', async () => {
      // More broken transactions than the pool has connections (10): a connection kept by any
      // of them (Kysely before 0.29.9 kept it when BEGIN or ROLLBACK failed) would leave the
      // pool empty for good, and every later request would wait for one until the timeout.
      const statuses: number[] = [];
      for (let round = 0; round < 4; round++) {
        // Open connections first (concurrent reads), so that the sign-ups' transactions begin
        // on pooled connections that the stall then breaks.
        await Promise.all(Array.from({ length: 30 }, () => http().get('/posts').expect(200)));
        proxy.stall();
        const signUps = Array.from({ length: 12 }, () =>
          inFlight(http().post('/users').send(newUser())),
        );
        await sleep(600);
        await proxy.restore();
        for (const res of await Promise.all(signUps.map((s) => s.response))) {
          statuses.push(res.status);
        }
      }
      expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
      expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(10);

      const started = Date.now();
      for (let i = 0; i < 12; i++) {
        await http()
          .patch(`/posts/${postId}`)
          .set(author.auth)
          .send({ body: `edited after the outage ${i}` })
          .expect(200);
      }
      expect(Date.now() - started).toBeLessThan(4000); // no wait for a connection
    }, 30_000);
  });
}
