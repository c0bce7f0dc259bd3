import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { type Account, createPost, createUser, TEST_PASSWORD } from './support/api';
import { snapshotDatabase } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/** What every write endpoint does with a body it cannot accept: a JSON 4xx, nothing written. */
describeEachDatabase('request bodies', (kind) => {
  // A user (signed in) and a post that every test may try to change (and must leave as they
  // are): the writes that need a token get the owner's, so that only the body can be at fault.
  let owner: Account;
  let userId: number;
  let postId: number;

  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  beforeAll(async () => {
    owner = await createUser(ctx.app, 'owner');
    userId = owner.id;
    postId = (await createPost(ctx.app, owner, 'the post to edit')).id;
  });

  /** Every endpoint that reads a JSON body. */
  const writes = () =>
    [
      ['POST', '/users'],
      ['POST', '/posts'],
      ['PATCH', `/users/${userId}`],
      ['PATCH', `/posts/${postId}`],
      ['POST', '/auth/login'],
      ['POST', '/auth/refresh'],
      ['POST', '/auth/logout'],
    ] as const;

  /** The public ones: sign-up, sign-in and refresh. The others get the owner's token. */
  const PUBLIC = new Set(['/users', '/auth/login', '/auth/refresh']);

  const send = (method: 'POST' | 'PATCH', path: string) => {
    const test = method === 'POST' ? http().post(path) : http().patch(path);
    return PUBLIC.has(path) ? test : test.set(owner.auth);
  };

  async function expectRejected(
    make: () => request.Test,
    status: number,
    message: string | RegExp,
  ): Promise<void> {
    const before = await snapshotDatabase(ctx.app);
    const res = await make();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      statusCode: status,
      error: expect.any(String),
      message: expect.stringMatching(message),
    });
    await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
  }

  const NOT_JSON = 'request body is not valid JSON, or not a JSON object';
  it.each([
    ['{"username":', NOT_JSON],
    ['{username: "x"}', NOT_JSON],
    ["{'a':1}", NOT_JSON],
    ['{"a":1,}', NOT_JSON],
    ['null', NOT_JSON],
    ['"str"', NOT_JSON],
    ['42', NOT_JSON],
    ['', 'request body must be a JSON object'],
  ])('malformed or non-object JSON %j is a 400 on every write', async (raw, message) => {
    for (const [method, path] of writes()) {
      await expectRejected(
        () => send(method, path).set('Content-Type', 'application/json').send(raw),
        400,
        new RegExp(`^${message}$`),
      );
    }
  });

  it('a write with no body at all is a 400 for the signed-in, a 401 for everyone else', async () => {
    for (const [method, path] of writes()) {
      await expectRejected(() => send(method, path), 400, 'request body must be a JSON object');
      if (!PUBLIC.has(path)) {
        const anonymous = method === 'POST' ? http().post(path) : http().patch(path);
        await expectRejected(() => anonymous, 401, /token/);
      }
    }
  });

  it('an array body is a 400', async () => {
    await expectRejected(
      () =>
        http()
          .post('/users')
          .send([{ username: 'a', email: 'a@example.com', password: TEST_PASSWORD }]),
      400,
      'request body must be a JSON object',
    );
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
  ])('a %s body is a 415 on every write', async (type) => {
    for (const [method, path] of writes()) {
      await expectRejected(
        () => send(method, path).set('Content-Type', type).send('username=x&email=y'),
        415,
        'Content-Type must be application/json',
      );
    }
  });

  it('accepts application/json with a charset and +json types', async () => {
    await http()
      .post('/users')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(
        JSON.stringify({
          username: 'charset',
          email: 'charset@example.com',
          password: TEST_PASSWORD,
        }),
      )
      .expect(201);
    await http()
      .post('/users')
      .set('Content-Type', 'application/merge-patch+json')
      .send(
        JSON.stringify({
          username: 'plusjson',
          email: 'plusjson@example.com',
          password: TEST_PASSWORD,
        }),
      )
      .expect(201);
  });

  it('a body over 16 KiB is a 413', async () => {
    const big = JSON.stringify({
      username: 'big',
      email: 'big@example.com',
      password: TEST_PASSWORD,
      pad: 'x'.repeat(17_000),
    });
    await expectRejected(
      () => http().post('/users').set('Content-Type', 'application/json').send(big),
      413,
      'request body exceeds the 16384-byte limit',
    );
  });

  it.each(['__proto__', 'constructor', 'prototype', 'toString', 'isPrototypeOf', 'valueOf'])(
    'a %s key, at any depth, is a 400',
    async (key) => {
      await expectRejected(
        () =>
          http()
            .post('/users')
            .set('Content-Type', 'application/json')
            .send(
              `{"username":"p","email":"p@example.com","password":"${TEST_PASSWORD}",` +
                `"${key}":{"isAdmin":true}}`,
            ),
        400,
        `property ${key} is not allowed`,
      );
      await expectRejected(
        () =>
          http()
            .post('/posts')
            .set(owner.auth)
            .set('Content-Type', 'application/json')
            .send(`{"body":"x","nested":{"${key}":{}}}`),
        400,
        `property ${key} is not allowed`,
      );
    },
  );

  it('a body nested deeper than 16 levels is a 400, however deep (no stack overflow)', async () => {
    for (const depth of [17, 5000]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      await expectRejected(
        () =>
          http()
            .post('/users')
            .set('Content-Type', 'application/json')
            .send(
              `{"username":"deep","email":"deep@example.com","password":"${TEST_PASSWORD}",` +
                `"x":${nested}}`,
            ),
        400,
        'request body is nested more than 16 levels deep',
      );
    }
  });

  it('an unsupported charset is a 415', async () => {
    await expectRejected(
      () =>
        http()
          .post('/users')
          .set('Content-Type', 'application/json; charset=koi8-r')
          .send(`{"username":"k","email":"k@example.com","password":"${TEST_PASSWORD}"}`),
      415,
      /charset/,
    );
  });

  it.each(['utf-16', 'utf-16le', 'utf-32', 'latin1'])(
    'a body in charset %s is a 415, even one JSON allows',
    async (charset) => {
      await expectRejected(
        () =>
          http()
            .post('/users')
            .set('Content-Type', `application/json; charset=${charset}`)
            .send(`{"username":"k","email":"k@example.com","password":"${TEST_PASSWORD}"}`),
        415,
        'Content-Type charset must be utf-8',
      );
    },
  );

  it.each([
    ['a byte that is never UTF-8', Buffer.from('{"body":"!\xff"}', 'latin1')],
    [
      'an encoded surrogate',
      Buffer.from([...Buffer.from('{"body":"'), 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    ],
    ['a truncated sequence', Buffer.from([...Buffer.from('{"body":"'), 0xe2, 0x82, 0x22, 0x7d])],
  ])('%s in the body is a 400, not stored as U+FFFD', async (_name, bytes) => {
    for (const [method, path] of writes()) {
      await expectRejected(
        () =>
          send(method, path)
            .set('Content-Type', 'application/json')
            .serialize((raw: Buffer) => raw as unknown as string) // the bytes as they are
            .send(bytes),
        400,
        'request body is not valid UTF-8',
      );
    }
  });

  it('a compressed body that holds nothing is a 400, not an empty object', async () => {
    for (const [method, path] of writes()) {
      await expectRejected(
        () =>
          send(method, path)
            .set('Content-Type', 'application/json')
            .set('Content-Encoding', 'gzip')
            .serialize((raw: Buffer) => raw as unknown as string)
            .send(gzipSync(Buffer.alloc(0))),
        400,
        'request body must be a JSON object',
      );
    }
  });

  it('still reads a gzip-compressed JSON body', async () => {
    await http()
      .post('/users')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((raw: Buffer) => raw as unknown as string)
      .send(
        gzipSync(
          JSON.stringify({
            username: 'zipped',
            email: 'zipped@example.com',
            password: TEST_PASSWORD,
          }),
        ),
      )
      .expect(201);
  });

  it.each(['__proto__', 'constructor', 'prototype', 'toString'])(
    'a query parameter named %s is a 400 on any route',
    async (key) => {
      for (const path of ['/posts', '/users', `/users/${userId}`, `/users/${userId}/posts`]) {
        await expectRejected(
          () => http().get(`${path}?${key}=1`),
          400,
          `query parameter ${key} is not allowed`,
        );
      }
      await expectRejected(
        () => http().post(`/posts?${key}=1`).set(owner.auth).send({ body: 'x' }),
        400,
        `query parameter ${key} is not allowed`,
      );
    },
  );
});
