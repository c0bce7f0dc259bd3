import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createUser } from './support/api';
import { snapshotDatabase } from './support/db-snapshot';
import { createTestApp } from './support/test-app';
import { createTestDatabase, migrateToLatest, type TestDatabase } from './support/test-database';

/** The app on a fresh migrated SQLite database, with `env` on top of the test defaults. */
function useApp(env: Record<string, string>) {
  const ctx: { app?: INestApplication<App>; db?: TestDatabase } = {};
  beforeAll(async () => {
    ctx.db = await createTestDatabase('sqlite');
    await migrateToLatest(ctx.db.url);
    ctx.app = await createTestApp(ctx.db.url, env);
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.db?.remove();
  });
  return () => ctx.app!;
}

describe('HTTP hardening', () => {
  const app = useApp({});

  it('sends security headers and does not advertise express', async () => {
    const res = await request(app().getHttpServer()).get('/users').expect(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('still serves the OpenAPI UI under the security headers', async () => {
    const res = await request(app().getHttpServer()).get('/docs').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('gives every response a request id, a new UUID unless the caller sent a plain token', async () => {
    const http = () => request(app().getHttpServer());
    const fresh = await http().get('/users');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const other = await http().get('/users');
    expect(other.headers['x-request-id']).not.toBe(fresh.headers['x-request-id']);

    const given = await http().get('/users/999').set('X-Request-Id', 'edge-1234.abc');
    expect(given.status).toBe(404);
    expect(given.headers['x-request-id']).toBe('edge-1234.abc');

    for (const bad of ['has spaces', 'x'.repeat(129), 'semi;colon', '']) {
      const res = await http().get('/users').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('sign-up rate limit', () => {
  const app = useApp({ SIGNUP_RATE_LIMIT: '3', SIGNUP_RATE_WINDOW: '60' });

  it('refuses a client its 4th account within the window with a 429, creating nothing', async () => {
    const http = () => request(app().getHttpServer());
    const first = await createUser(app(), 'limited1');
    await createUser(app(), 'limited2');
    await createUser(app(), 'limited3');
    const before = await snapshotDatabase(app());

    const res = await http()
      .post('/users')
      .send({ username: 'limited4', email: 'limited4@example.com' })
      .expect(429);
    expect(res.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(
        /^too many accounts created from this address; try again in \d+ s$/,
      ),
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    await expect(snapshotDatabase(app())).resolves.toEqual(before);

    // Only account creation is limited: the same client can still read, write posts and edit.
    await http().get('/users').expect(200);
    await http().post('/posts').send({ body: 'still here', authorId: first.id }).expect(201);
    await http().patch(`/users/${first.id}`).send({ email: 'new1@example.com' }).expect(200);
  });
});

describe('request timeout', () => {
  const app = useApp({ REQUEST_TIMEOUT: '1000' });

  it('closes a connection whose request never finishes arriving', async () => {
    const { port } = (app().getHttpServer() as { address(): AddressInfo }).address();
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    const closed = new Promise<string>((resolve, reject) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    socket.write('POST /posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
    await expect(closed).resolves.toBeDefined();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(5000);
  });
});
