import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createUser, signIn, TEST_PASSWORD } from './support/api';
import { snapshotDatabase } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';

describe('HTTP hardening', () => {
  const ctx = useMigratedApp('sqlite');

  /** helmet's headers for HTML documents, which a JSON answer does not carry. */
  const PAGE_ONLY = [
    'cross-origin-opener-policy',
    'origin-agent-cluster',
    'referrer-policy',
    'x-dns-prefetch-control',
    'x-download-options',
    'x-permitted-cross-domain-policies',
    'x-xss-protection',
  ];

  it("gives JSON answers OWASP's API security headers and does not advertise express", async () => {
    for (const res of [
      await ctx.http().get('/users').expect(200),
      await ctx.http().get('/users/999').expect(404),
      await ctx.http().post('/posts').send({ body: 'hi' }).expect(401),
      await ctx.http().get('/docs-json').expect(200),
    ]) {
      expect(res.headers).toMatchObject({
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'cross-origin-resource-policy': 'same-origin',
      });
      for (const header of [...PAGE_ONLY, 'x-powered-by']) {
        expect([header, res.headers[header]]).toEqual([header, undefined]);
      }
    }
  });

  it("serves the OpenAPI UI, an HTML page, with helmet's full set for pages", async () => {
    const res = await ctx.http().get('/docs').expect(200);
    expect(res.text).toContain('swagger-ui');
    expect(res.headers).toMatchObject({
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'x-frame-options': 'SAMEORIGIN',
      'x-content-type-options': 'nosniff',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    for (const header of PAGE_ONLY) {
      expect(res.headers[header]).toBeDefined();
    }
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('tags JSON answers with a weak ETag, and answers 304 to it until the resource changes', async () => {
    const susan = await createUser(ctx.app, 'etagged');
    const first = await ctx.http().get(`/users/${susan.id}`).expect(200);
    const etag = first.headers.etag;
    const sha1 = createHash('sha1').update(first.text).digest('base64').slice(0, 27);
    expect(etag).toBe(`W/"${Buffer.byteLength(first.text).toString(16)}-${sha1}"`);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');

    const unchanged = await ctx
      .http()
      .get(`/users/${susan.id}`)
      .set('If-None-Match', etag)
      .expect(304);
    expect(unchanged.text).toBe('');

    await ctx
      .http()
      .patch(`/users/${susan.id}`)
      .set(susan.auth)
      .send({ username: 'retagged' })
      .expect(200);
    const changed = await ctx
      .http()
      .get(`/users/${susan.id}`)
      .set('If-None-Match', etag)
      .expect(200);
    expect(changed.body).toEqual({ id: susan.id, username: 'retagged' });
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('gives every response a request id, a new UUID unless the caller sent a plain token', async () => {
    const fresh = await ctx.http().get('/users');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const other = await ctx.http().get('/users');
    expect(other.headers['x-request-id']).not.toBe(fresh.headers['x-request-id']);

    const given = await ctx.http().get('/users/999').set('X-Request-Id', 'edge-1234.abc');
    expect(given.status).toBe(404);
    expect(given.headers['x-request-id']).toBe('edge-1234.abc');

    for (const bad of ['has spaces', 'x'.repeat(129), 'semi;colon', '']) {
      const res = await ctx.http().get('/users').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('sign-up rate limit', () => {
  const ctx = useMigratedApp('sqlite', { SIGNUP_RATE_LIMIT: '3', SIGNUP_RATE_WINDOW: '60' });

  it('refuses a client its 4th account within the window with a 429, creating nothing', async () => {
    const first = await createUser(ctx.app, 'limited1');
    await createUser(ctx.app, 'limited2');
    await createUser(ctx.app, 'limited3');
    const before = await snapshotDatabase(ctx.app);

    const res = await ctx
      .http()
      .post('/users')
      .send({ username: 'limited4', email: 'limited4@example.com', password: TEST_PASSWORD })
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
    await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);

    // Only account creation is limited: the same client can still sign in, read, write posts
    // and edit.
    await signIn(ctx.app, 'limited2');
    await ctx.http().get('/users').expect(200);
    await ctx.http().post('/posts').set(first.auth).send({ body: 'still here' }).expect(201);
    await ctx
      .http()
      .patch(`/users/${first.id}`)
      .set(first.auth)
      .send({ email: 'new1@example.com', currentPassword: first.password })
      .expect(200);
  });
});

describe('request timeout', () => {
  const ctx = useMigratedApp('sqlite', { REQUEST_TIMEOUT: '1000' });

  it('closes a connection whose request never finishes arriving', async () => {
    const { port } = (ctx.app.getHttpServer() as { address(): AddressInfo }).address();
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
