import { MikroORM } from '@mikro-orm/core';
import { SignJWT } from 'jose';
import request, { type Response } from 'supertest';
import { AccessTokens } from '../src/auth/access-tokens';
import { SessionCleanup } from '../src/auth/session-cleanup';
import { User } from '../src/users/entities/user.entity';
import { PasswordHasher } from '../src/users/password-hasher';
import {
  bearer,
  createPost,
  createUser,
  signIn,
  TEST_PASSWORD,
  uniqueName,
  type Account,
  type Tokens,
} from './support/api';
import { TestClock } from './support/clock';
import { snapshotDatabase } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

const FIFTEEN_MINUTES = 15 * 60;
const THIRTY_DAYS = 30 * 24 * 3600;

/** The claims part of a JWT. */
function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** A JWT with `alg: none`: the claims of `jwt`, no signature. */
function unsigned(jwt: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  return `${header}.${jwt.split('.')[1]}.`;
}

/** The claims of `jwt`, signed again with a key the app does not have. */
function signedWithAnotherKey(jwt: string): Promise<string> {
  return new SignJWT(claimsOf(jwt))
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .sign(new TextEncoder().encode('another key, 32 characters or more, not the app one'));
}

function expectBearerChallenge(res: Response): void {
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="microblog"/);
  expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
}

describeEachDatabase('accounts', (kind) => {
  const clock = new TestClock();
  const ctx = useMigratedApp(kind, {}, { clock });
  const http = () => ctx.http();

  beforeEach(() => clock.reset());

  describe('sign-in', () => {
    it('signs in with a username, or an email in any letter case, and answers a token pair', async () => {
      const john = await createUser(ctx.app, uniqueName('signin'));
      for (const login of [john.username, john.email.toUpperCase()]) {
        const res = await http()
          .post('/auth/login')
          .send({ login, password: TEST_PASSWORD })
          .expect(200);
        const tokens = res.body as Tokens;
        expect(Object.keys(tokens).sort()).toEqual(
          ['accessToken', 'expiresIn', 'refreshToken', 'tokenType'].sort(),
        );
        expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: FIFTEEN_MINUTES });
        expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
        expect(headerOf(tokens.accessToken)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
        const claims = claimsOf(tokens.accessToken);
        expect(claims).toMatchObject({
          iss: 'microblog-nest',
          aud: 'microblog-nest:api',
          sub: String(john.id),
          sid: expect.any(Number),
        });
        expect(Number(claims.exp) - Number(claims.iat)).toBe(FIFTEEN_MINUTES);
        expect(res.text).not.toMatch(/password|argon2|scrypt/i);
        await http()
          .get('/users/me')
          .set(bearer(tokens.accessToken))
          .expect(200, { id: john.id, username: john.username, email: john.email });
      }
    });

    it('answers a wrong password, an unknown login and a user without a password alike, after one hash each', async () => {
      const john = await createUser(ctx.app, uniqueName('alike'));
      const orm = ctx.app.get(MikroORM);
      const nopass = uniqueName('nopass');
      const em = orm.em.fork();
      em.create(User, { username: nopass, email: `${nopass}@example.com` });
      await em.flush();
      const verify = jest.spyOn(ctx.app.get(PasswordHasher), 'verify');
      const before = await snapshotDatabase(ctx.app);
      try {
        for (const [login, password] of [
          [john.username, 'not the password'],
          [uniqueName('nobody'), TEST_PASSWORD],
          [nopass, TEST_PASSWORD],
          [`${nopass}@example.com`, ''.padEnd(8, 'x')],
        ]) {
          const res = await http().post('/auth/login').send({ login, password }).expect(401);
          expect(res.body).toEqual({
            statusCode: 401,
            error: 'Unauthorized',
            message: 'login or password is incorrect',
          });
          expectBearerChallenge(res);
        }
        expect(verify).toHaveBeenCalledTimes(4);
      } finally {
        verify.mockRestore();
      }
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('refuses a malformed sign-in with a 400 naming the field, writing nothing', async () => {
      const before = await snapshotDatabase(ctx.app);
      await http()
        .post('/auth/login')
        .send({ login: 'john' })
        .expect(400)
        .expect(({ body }) => expect(body.message).toMatch(/password/));
      await http()
        .post('/auth/login')
        .send({ login: 'john', password: 'x', remember: true })
        .expect(400)
        .expect(({ body }) => expect(body.message).toMatch(/remember/));
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use; the used one no longer works', async () => {
      const user = await createUser(ctx.app, uniqueName('rotate'));
      const first = await refresh(user.refreshToken).expect(200);
      const next = first.body as Tokens;
      expect(next.refreshToken).not.toBe(user.refreshToken);
      expect(next.accessToken).not.toBe(user.accessToken);
      await http().get('/users/me').set(bearer(next.accessToken)).expect(200);
      const second = await refresh(next.refreshToken).expect(200);
      expect((second.body as Tokens).refreshToken).not.toBe(next.refreshToken);
    });

    it('revoke the whole session when a used one comes back (RFC 9700 §4.14.2)', async () => {
      const user = await createUser(ctx.app, uniqueName('reuse'));
      const next = (await refresh(user.refreshToken).expect(200)).body as Tokens;
      // The first token again: a thief's copy, or the owner's stale one.
      expectBearerChallenge(await refresh(user.refreshToken).expect(401));
      // Neither the owner's newer refresh token nor the session's access tokens work now.
      await refresh(next.refreshToken).expect(401);
      await http().get('/users/me').set(bearer(next.accessToken)).expect(401);
      await http().get('/users/me').set(user.auth).expect(401);
      // Other sessions of the user are untouched.
      const other = await signIn(ctx.app, user.username);
      await http().get('/users/me').set(bearer(other.accessToken)).expect(200);
    });

    it('let exactly one of several concurrent uses of one token succeed', async () => {
      const user = await createUser(ctx.app, uniqueName('race'));
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => refresh(user.refreshToken)),
      );
      expect(answers.map((res) => res.status).sort()).toEqual([200, 401, 401, 401]);
    });

    it('expire after 30 days; access tokens after 15 minutes', async () => {
      const user = await createUser(ctx.app, uniqueName('expire'));
      clock.advance(FIFTEEN_MINUTES + 1);
      expectBearerChallenge(await http().get('/users/me').set(user.auth).expect(401));
      const renewed = (await refresh(user.refreshToken).expect(200)).body as Tokens;
      await http().get('/users/me').set(bearer(renewed.accessToken)).expect(200);
      clock.advance(THIRTY_DAYS + 1);
      await refresh(renewed.refreshToken).expect(401);
    });

    it('refuse what is not a refresh token of this app with 400 or 401, writing nothing', async () => {
      const before = await snapshotDatabase(ctx.app);
      await refresh('not a token').expect(400);
      await refresh('A'.repeat(43)).expect(401);
      await http().post('/auth/refresh').send({}).expect(400);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    function refresh(refreshToken: string) {
      return http().post('/auth/refresh').send({ refreshToken });
    }
  });

  describe('sign-out', () => {
    it('ends the session of the refresh token, and only that one', async () => {
      const user = await createUser(ctx.app, uniqueName('logout'));
      const other = await signIn(ctx.app, user.username);
      await http()
        .post('/auth/logout')
        .set(user.auth)
        .send({ refreshToken: user.refreshToken })
        .expect(204, '');
      await http().get('/users/me').set(user.auth).expect(401);
      await http().post('/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      await http().get('/users/me').set(bearer(other.accessToken)).expect(200);
      await http().post('/auth/refresh').send({ refreshToken: other.refreshToken }).expect(200);
    });

    it("refuses to end someone else's session, writing nothing", async () => {
      const user = await createUser(ctx.app, uniqueName('mine'));
      const intruder = await createUser(ctx.app, uniqueName('intruder'));
      const before = await snapshotDatabase(ctx.app);
      await http()
        .post('/auth/logout')
        .set(intruder.auth)
        .send({ refreshToken: user.refreshToken })
        .expect(403);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      await http().get('/users/me').set(user.auth).expect(200);
    });

    it('with a token that names no live session ends nothing, and says so with a 204', async () => {
      const user = await createUser(ctx.app, uniqueName('noop'));
      const before = await snapshotDatabase(ctx.app);
      await http()
        .post('/auth/logout')
        .set(user.auth)
        .send({ refreshToken: 'B'.repeat(43) })
        .expect(204);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      await http().get('/users/me').set(user.auth).expect(200);
    });

    it('everywhere: ends every session of the user', async () => {
      const user = await createUser(ctx.app, uniqueName('everywhere'));
      const other = await signIn(ctx.app, user.username);
      const bystander = await createUser(ctx.app, uniqueName('bystander'));
      await http().post('/auth/logout-all').set(bearer(other.accessToken)).expect(204, '');
      for (const tokens of [user, other]) {
        await http().get('/users/me').set(bearer(tokens.accessToken)).expect(401);
        await http().post('/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
      }
      await http().get('/users/me').set(bystander.auth).expect(200);
    });
  });

  describe('passwords', () => {
    it('a change needs the current password, and ends every other session', async () => {
      const user = await createUser(ctx.app, uniqueName('change'));
      const other = await signIn(ctx.app, user.username);
      const before = await snapshotDatabase(ctx.app);
      await http()
        .patch(`/users/${user.id}`)
        .set(user.auth)
        .send({ password: 'a brand new password' })
        .expect(400);
      await http()
        .patch(`/users/${user.id}`)
        .set(user.auth)
        .send({ password: 'a brand new password', currentPassword: 'not it' })
        .expect(403);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);

      await http()
        .patch(`/users/${user.id}`)
        .set(user.auth)
        .send({ password: 'a brand new password', currentPassword: TEST_PASSWORD })
        .expect(200, { id: user.id, username: user.username, email: user.email });
      // The other session is over; this one goes on.
      await http().get('/users/me').set(bearer(other.accessToken)).expect(401);
      await http().post('/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
      await http().get('/users/me').set(user.auth).expect(200);
      await http()
        .post('/auth/login')
        .send({ login: user.username, password: TEST_PASSWORD })
        .expect(401);
      await signIn(ctx.app, user.username, 'a brand new password');
    });

    it('are required to sign up, and stored only as argon2id hashes', async () => {
      const name = uniqueName('signup');
      const before = await snapshotDatabase(ctx.app);
      await http()
        .post('/users')
        .send({ username: name, email: `${name}@example.com` })
        .expect(400)
        .expect(({ body }) => expect(body.message).toMatch(/password/));
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      const user = await createUser(ctx.app, name);
      const em = ctx.app.get(MikroORM).em.fork();
      const stored = await em.findOneOrFail(User, user.id, { populate: ['passwordHash'] });
      expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      expect(stored.passwordHash).not.toContain(TEST_PASSWORD);
    });
  });

  describe('every write, with every kind of token', () => {
    /** A protected request; `owner` owns what it changes. */
    interface Target {
      name: string;
      send: (owner: Account, post: { id: number }) => request.Test;
      ownerOnly: boolean;
    }

    const targets: Target[] = [
      {
        name: 'POST /posts',
        send: () => http().post('/posts').send({ body: 'a post' }),
        ownerOnly: false,
      },
      {
        name: 'PATCH /posts/:id',
        send: (_owner, post) => http().patch(`/posts/${post.id}`).send({ body: 'edited' }),
        ownerOnly: true,
      },
      {
        name: 'DELETE /posts/:id',
        send: (_owner, post) => http().delete(`/posts/${post.id}`),
        ownerOnly: true,
      },
      {
        name: 'PATCH /users/:id',
        send: (owner) =>
          http()
            .patch(`/users/${owner.id}`)
            .send({ username: uniqueName('re') }),
        ownerOnly: true,
      },
      {
        name: 'DELETE /users/:id',
        send: (owner) => http().delete(`/users/${owner.id}`),
        ownerOnly: true,
      },
      {
        name: 'POST /auth/logout',
        send: (owner) => http().post('/auth/logout').send({ refreshToken: owner.refreshToken }),
        ownerOnly: false,
      },
      {
        name: 'POST /auth/logout-all',
        send: () => http().post('/auth/logout-all'),
        ownerOnly: false,
      },
      { name: 'GET /users/me', send: () => http().get('/users/me'), ownerOnly: false },
    ];

    /** A user with a post, and the tokens that are not theirs, as each test needs them. */
    async function scene() {
      const owner = await createUser(ctx.app, uniqueName('owner'));
      const post = await createPost(ctx.app, owner, 'the owner’s post');
      const stranger = await createUser(ctx.app, uniqueName('stranger'));
      return { owner, post, stranger };
    }

    /** Authorization header values that must all be refused with 401. */
    async function badTokens(owner: Account): Promise<[string, string | undefined][]> {
      const tokens = ctx.app.get(AccessTokens);
      return [
        ['no token', undefined],
        ['a malformed token', 'Bearer not.a.jwt'],
        ['another scheme', `Basic ${Buffer.from('john:pw').toString('base64')}`],
        [
          'a token signed with another key',
          `Bearer ${await signedWithAnotherKey(owner.accessToken)}`,
        ],
        ['a token with alg: none', `Bearer ${unsigned(owner.accessToken)}`],
        ['a refresh token', `Bearer ${owner.refreshToken}`],
        [
          'a token for a session that never existed',
          `Bearer ${await tokens.sign({ userId: owner.id, sessionId: 2_000_000_000 })}`,
        ],
      ];
    }

    it.each(targets.map((t) => [t.name, t] as const))(
      '%s: 401 for no, malformed, foreign-key, unsigned, refresh and session-less tokens, writing nothing',
      async (_name, target) => {
        const { owner, post } = await scene();
        for (const [label, authorization] of await badTokens(owner)) {
          const before = await snapshotDatabase(ctx.app);
          const req = target.send(owner, post);
          const res = await (authorization ? req.set('Authorization', authorization) : req);
          expect([label, res.status]).toEqual([label, 401]);
          expectBearerChallenge(res);
          await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
        }
      },
    );

    it.each(targets.map((t) => [t.name, t] as const))(
      '%s: 401 for an expired token (the clock moved past its 15 minutes), writing nothing',
      async (_name, target) => {
        const { owner, post } = await scene();
        clock.advance(FIFTEEN_MINUTES + 1);
        const before = await snapshotDatabase(ctx.app);
        expectBearerChallenge(await target.send(owner, post).set(owner.auth).expect(401));
        await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      },
    );

    it.each(targets.filter((t) => t.ownerOnly).map((t) => [t.name, t] as const))(
      "%s: 403 with another user's token, writing nothing",
      async (_name, target) => {
        const { owner, post, stranger } = await scene();
        const before = await snapshotDatabase(ctx.app);
        const res = await target.send(owner, post).set(stranger.auth).expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      },
    );

    it.each(targets.map((t) => [t.name, t] as const))(
      "%s: 2xx with the owner's token, the scheme in any letter case (RFC 9110 §11.1)",
      async (_name, target) => {
        const { owner, post } = await scene();
        const scheme = ['Bearer', 'bearer', 'BEARER'][targets.indexOf(target) % 3];
        const res = await target
          .send(owner, post)
          .set('Authorization', `${scheme} ${owner.accessToken}`);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(300);
      },
    );
  });

  describe('cleanup', () => {
    it('deletes sessions once their last refresh token has expired, with their tokens', async () => {
      const gone = await createUser(ctx.app, uniqueName('gone'));
      clock.advance(THIRTY_DAYS - 60);
      const kept = await createUser(ctx.app, uniqueName('kept'));
      clock.advance(61); // past the first sign-in's 30 days, not the second's
      await expect(ctx.app.get(SessionCleanup).run()).resolves.toBeGreaterThanOrEqual(1);
      const after = (await snapshotDatabase(ctx.app)) as {
        sessions: { id: number; user_id: number }[];
        refreshTokens: { session_id: number }[];
      };
      const remaining = after.sessions.map((session) => session.user_id);
      expect(remaining).not.toContain(gone.id);
      expect(remaining).toContain(kept.id);
      const sessionIds = new Set(after.sessions.map((session) => session.id));
      expect(after.refreshTokens.every((token) => sessionIds.has(token.session_id))).toBe(true);
      await ctx.http().post('/auth/refresh').send({ refreshToken: gone.refreshToken }).expect(401);
      await ctx.http().post('/auth/refresh').send({ refreshToken: kept.refreshToken }).expect(200);
    });
  });

  describe('privacy', () => {
    it('shows an email only to its owner', async () => {
      const user = await createUser(ctx.app, uniqueName('private'));
      await createPost(ctx.app, user, 'hello');
      for (const path of ['/users', `/users/${user.id}`, '/posts', `/users/${user.id}/posts`]) {
        const res = await http().get(path).expect(200);
        expect([path, res.text]).toEqual([path, expect.not.stringContaining('@')]);
        expect([path, res.text]).toEqual([path, expect.not.stringMatching(/"email"/)]);
      }
      await http()
        .get('/users/me')
        .set(user.auth)
        .expect(200)
        .expect(({ body }) => expect(body.email).toBe(user.email));
    });
  });
});

describeEachDatabase('sign-in rate limit', (kind) => {
  const ctx = useMigratedApp(kind, {
    LOGIN_RATE_LIMIT: '3',
    LOGIN_RATE_WINDOW: '60',
    TRUST_PROXY: 'true',
  });
  const attempt = (login: string, address: string, password = 'wrong password') =>
    ctx.http().post('/auth/login').set('X-Forwarded-For', address).send({ login, password });

  it('counts attempts per account, whatever the address: the fourth is a 429, even with the right password', async () => {
    const user = await createUser(ctx.app, uniqueName('victim'));
    // createUser signed in once (from 127.0.0.1): two more attempts reach the limit.
    await attempt(user.username, '10.1.0.1').expect(401);
    await attempt(user.email.toUpperCase(), '10.1.0.2').expect(401);
    const before = await snapshotDatabase(ctx.app);
    const res = await attempt(user.username, '10.1.0.3', TEST_PASSWORD).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^too many sign-in attempts; try again in \d+ s$/),
    });
    await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
  });

  it('counts attempts per client address, whatever the account', async () => {
    for (let i = 0; i < 3; i++) {
      await attempt(uniqueName('guess'), '10.2.0.1').expect(401);
    }
    await attempt(uniqueName('guess'), '10.2.0.1').expect(429);
    await attempt(uniqueName('guess'), '10.2.0.2').expect(401);
  });
});
