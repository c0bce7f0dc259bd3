import {
  type Account,
  bearer,
  collectPages,
  createPost,
  createUser,
  expectNoSecrets,
  signIn,
  TEST_PASSWORD,
  uniqueName,
} from './support/api';
import { passwordHashOf, snapshotDatabase, sqlOf } from './support/db-snapshot';
import { TEST_ARGON2_PARAMS, useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/** A salted argon2id hash at the cost the tests hash with (PHC string, unpadded base64). */
const { m, t, p } = TEST_ARGON2_PARAMS;
const TEST_HASH = new RegExp(
  `^\\$argon2id\\$v=19\\$m=${m},t=${t},p=${p}\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`,
);

describeEachDatabase('/users', (kind) => {
  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  /** The signed-in user's own account, as `GET /users/me` shows it. */
  const me = async (account: Pick<Account, 'auth'>) =>
    (await http().get('/users/me').set(account.auth).expect(200)).body as {
      id: number;
      username: string;
      email: string;
    };

  /** The user's sessions, as stored. */
  const sessionsOf = (id: number) =>
    sqlOf(ctx.app).selectFrom('auth_session').selectAll().where('user_id', '=', id).execute();

  describe('POST /users (sign-up)', () => {
    it('creates a user: 201, Location, and the public user without email or password', async () => {
      const name = uniqueName('john');
      const res = await http()
        .post('/users')
        .send({ username: name, email: `John.${name}@Example.com`, password: 'correct horse' })
        .expect(201)
        .expect('Content-Type', /application\/json/);
      expectNoSecrets(res, ['correct horse']);
      expect(res.body).toEqual({ id: expect.any(Number), username: name });
      expect(res.text).not.toContain('example.com');
      expect(res.headers.location).toBe(`/users/${res.body.id}`);
      // The owner sees the email, stored in lower case; the password signs in.
      const tokens = await signIn(ctx.app, name, 'correct horse');
      await expect(me({ auth: bearer(tokens.accessToken) })).resolves.toEqual({
        id: res.body.id,
        username: name,
        email: `john.${name}@example.com`,
      });
    });

    it('stores the password only as a salted argon2id hash', async () => {
      const one = await createUser(ctx.app, uniqueName('hashed'), { password: 'correct horse' });
      const two = await createUser(ctx.app, uniqueName('hashed'), { password: 'correct horse' });
      const hashes = [await passwordHashOf(ctx.app, one.id), await passwordHashOf(ctx.app, two.id)];
      for (const hash of hashes) {
        expect(hash).toMatch(TEST_HASH);
        expect(hash).not.toContain('correct horse');
      }
      // The same password, two salts: two different hashes.
      expect(hashes[0]).not.toBe(hashes[1]);
    });

    it('refuses a sign-up without a password: 400, nothing written', async () => {
      const name = uniqueName('susan');
      const before = await snapshotDatabase(ctx.app);
      const res = await http()
        .post('/users')
        .send({ username: name, email: `${name}@example.com` })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'password must be a string',
      });
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it.each([
      [
        'username,',
        (taken: Account) => ({
          username: taken.username,
          email: `other.${taken.email}`,
          password: TEST_PASSWORD,
        }),
        'username is already taken',
      ],
      [
        'email, in other letter case,',
        (taken: Account) => ({
          username: uniqueName('other'),
          email: `${taken.username.toUpperCase()}@example.COM`,
          password: TEST_PASSWORD,
        }),
        'email is already taken',
      ],
    ])('409s a taken %s changing nothing', async (_what, bodyFor, message) => {
      const taken = await createUser(ctx.app, uniqueName('taken'));
      const body = bodyFor(taken);
      const before = await snapshotDatabase(ctx.app);
      const res = await http().post('/users').send(body).expect(409);
      expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', message });
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it('lets the database decide a 50-way race for one username: one 201, 49 x 409', async () => {
      const name = uniqueName('popular');
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          http()
            .post('/users')
            .send({ username: name, email: `${name}.${i}@example.com`, password: TEST_PASSWORD }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      for (const res of responses.filter((r) => r.status === 409)) {
        expect(res.body.message).toBe('username is already taken');
      }
    });

    it('lets the database decide a race: one 201, one 409, never a 500', async () => {
      const name = uniqueName('racer');
      const body = { username: name, email: `${name}@example.com`, password: 'racing-pass' };
      const statuses = await Promise.all([
        http().post('/users').send(body),
        http().post('/users').send(body),
      ]).then((responses) => responses.map((r) => r.status).sort());
      expect(statuses).toEqual([201, 409]);
    });

    // Each body is valid but for the one problem named (a missing password is a problem too).
    const password = TEST_PASSWORD;
    it.each([
      [{ email: 'a@example.com', password }, 'username must be a string'],
      [
        { username: '', email: 'a@example.com', password },
        'username must not be empty or only whitespace',
      ],
      [
        { username: 'a'.repeat(65), email: 'a@example.com', password },
        'username must be at most 64 characters',
      ],
      [
        { username: 'john doe', email: 'a@example.com', password },
        'username may contain only letters',
      ],
      [{ username: 'jöhn', email: 'a@example.com', password }, 'username may contain only letters'],
      [{ username: 42, email: 'a@example.com', password }, 'username must be a string'],
      [{ username: 'a1', password }, 'email must be a string'],
      [{ username: 'a1', email: 'not-an-email', password }, 'email must be a valid email address'],
      [
        { username: 'a1', email: '\ud800@example.com', password },
        'email must not contain NUL characters or unpaired surrogates',
      ],
      [
        { username: 'a1', email: 'a1@example.com', password: 'long enough \udc00' },
        'password must not contain NUL characters or unpaired surrogates',
      ],
      [
        { username: 'a1', email: `${'x'.repeat(110)}@example.com`, password },
        'email must be at most 120 characters',
      ],
      [{ username: 'a1', email: 'a1@example.com' }, 'password must be a string'],
      [
        { username: 'a1', email: 'a1@example.com', password: 'short' },
        'password must be at least 8 characters',
      ],
      [
        { username: 'a1', email: 'a1@example.com', password: 'p'.repeat(257) },
        'password must be at most 256 characters',
      ],
      [
        { username: 'a1', email: 'a1@example.com', password: 12345678 },
        'password must be a string',
      ],
      [{ username: 'a1', email: 'a1@example.com', password: null }, 'password must be a string'],
      [{ username: null, email: 'a1@example.com', password }, 'username must be a string'],
      [
        { username: 'a1', email: 'a1@example.com', password, admin: true },
        'property admin should not exist',
      ],
    ])(
      '400s %j naming the problem, changing nothing',
      async (body: Record<string, unknown>, message) => {
        const before = await snapshotDatabase(ctx.app);
        const res = await http().post('/users').send(body).expect(400);
        expectNoSecrets(res, typeof body.password === 'string' ? [body.password] : []);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(res.body.message).toContain(message);
        await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      },
    );

    it('treats usernames that differ only in case as different users, on every database', async () => {
      const name = uniqueName('CaseUser');
      const lower = name.toLowerCase();
      await http()
        .post('/users')
        .send({ username: name, email: `${lower}.1@example.com`, password: TEST_PASSWORD })
        .expect(201);
      await http()
        .post('/users')
        .send({ username: lower, email: `${lower}.2@example.com`, password: TEST_PASSWORD })
        .expect(201);
      await http()
        .post('/users')
        .send({ username: lower, email: `${lower}.3@example.com`, password: TEST_PASSWORD })
        .expect(409);
    });

    it('accepts a 64-character username, a 120-character email and a 256-character password', async () => {
      const username = uniqueName('u').padEnd(64, 'u');
      expect(username).toHaveLength(64);
      const email = `${username}@${'d'.repeat(51)}.com`;
      expect(email).toHaveLength(120);
      const password = 'p'.repeat(256);
      await http().post('/users').send({ username, email, password }).expect(201);
      await expect(signIn(ctx.app, email, password)).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
    });
  });

  describe('GET /users/:id', () => {
    it('returns the public user: no email', async () => {
      const susan = await createUser(ctx.app, uniqueName('getme'));
      const res = await http().get(`/users/${susan.id}`).expect(200);
      expectNoSecrets(res, [susan.password]);
      expect(res.body).toEqual({ id: susan.id, username: susan.username });
      expect(res.text).not.toContain(susan.email);
    });

    it('404s an unknown user and 400s an id that is not a positive integer', async () => {
      await http()
        .get('/users/999999')
        .expect(404)
        .expect({ statusCode: 404, error: 'Not Found', message: 'user 999999 not found' });
      for (const id of ['0', '-1', 'abc', '1.5', '99999999999']) {
        const res = await http().get(`/users/${id}`).expect(400);
        expect(res.body.message).toBe('id must be a positive integer');
      }
    });

    it('400s other spellings of an existing id instead of acting on it', async () => {
      // Signed in as that very user, so that only the spelling can be refused.
      const user = await createUser(ctx.app, uniqueName('spelled'));
      const id = user.id;
      const before = await snapshotDatabase(ctx.app);
      const spellings = [`0${id}`, `${id}.0`, `${id}e0`, `+${id}`, `0x${id.toString(16)}`];
      spellings.push(`0o${id.toString(8)}`, `%20${id}`, `%09${id}`, `${id}%20`);
      for (const spelling of spellings) {
        for (const method of ['get', 'patch', 'delete'] as const) {
          const res = await http()
            [method](`/users/${spelling}`)
            .set(user.auth)
            .send({ username: uniqueName('respelled') });
          expect([method, spelling, res.status]).toEqual([method, spelling, 400]);
        }
      }
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      await http().get(`/users/${user.id}`).expect(200).expect({ id, username: user.username });
    });
  });

  describe('GET /users/me', () => {
    it("is the signed-in user's own account, with the email; 401 without a token", async () => {
      const user = await createUser(ctx.app, uniqueName('myself'));
      const res = await http().get('/users/me').set(user.auth).expect(200);
      expectNoSecrets(res, [user.password]);
      expect(res.body).toEqual({ id: user.id, username: user.username, email: user.email });
      const anonymous = await http().get('/users/me').expect(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    });
  });

  describe('PATCH /users/:id', () => {
    it('changes the given fields only, and answers the account with its email', async () => {
      const user = await createUser(ctx.app, uniqueName('patchme'));
      const res = await http()
        .patch(`/users/${user.id}`)
        .set(user.auth)
        .send({ email: `New.${user.username}@Example.com`, currentPassword: user.password })
        .expect(200);
      expectNoSecrets(res, [user.password]);
      const account = {
        id: user.id,
        username: user.username,
        email: `new.${user.username}@example.com`,
      };
      expect(res.body).toEqual(account);
      await expect(me(user)).resolves.toEqual(account);
      // The public view shows neither the old email nor the new one.
      await http().get(`/users/${user.id}`).expect(200, { id: user.id, username: user.username });
    });

    it('changes the username without the current password', async () => {
      const user = await createUser(ctx.app, uniqueName('renamed'));
      const username = uniqueName('newname');
      const res = await http()
        .patch(`/users/${user.id}`)
        .set(user.auth)
        .send({ username })
        .expect(200);
      expect(res.body).toEqual({ id: user.id, username, email: user.email });
      await http().get(`/users/${user.id}`).expect(200, { id: user.id, username });
      await expect(signIn(ctx.app, username)).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it.each([
      ['email', (user: Account) => ({ email: `changed.${user.email}` })],
      ['password', () => ({ password: 'a whole new password' })],
    ])(
      'changes the %s only with the current password: missing 400, wrong 403, changing nothing',
      async (_field, change) => {
        const user = await createUser(ctx.app, uniqueName('guarded'));
        const before = await snapshotDatabase(ctx.app);
        const missing = await http()
          .patch(`/users/${user.id}`)
          .set(user.auth)
          .send(change(user))
          .expect(400);
        expect(missing.body.message).toBe(
          'currentPassword is required to change the password or the email',
        );
        const wrong = await http()
          .patch(`/users/${user.id}`)
          .set(user.auth)
          .send({ ...change(user), currentPassword: 'not the password' })
          .expect(403);
        expectNoSecrets(wrong, ['not the password', 'a whole new password']);
        expect(wrong.body.message).toBe('currentPassword is incorrect');
        await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      },
    );

    it('changes the password hash when a password is given, and ends the other sessions', async () => {
      const user = await createUser(ctx.app, uniqueName('repass'), { password: 'first-password' });
      const elsewhere = bearer(
        (await signIn(ctx.app, user.username, 'first-password')).accessToken,
      );
      const hashOf = () => passwordHashOf(ctx.app, user.id);
      const before = await hashOf();
      expectNoSecrets(
        await http()
          .patch(`/users/${user.id}`)
          .set(user.auth)
          .send({ password: 'second-password', currentPassword: 'first-password' })
          .expect(200),
        ['first-password', 'second-password'],
      );
      const after = await hashOf();
      expect(after).not.toBe(before);
      expect(after).toMatch(TEST_HASH);
      // The new password signs in, the old one no longer does.
      await expect(signIn(ctx.app, user.username, 'second-password')).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
      await http()
        .post('/auth/login')
        .send({ login: user.username, password: 'first-password' })
        .expect(401);
      // The session that changed it goes on; the other one has ended.
      await http().get('/users/me').set(user.auth).expect(200);
      await http().get('/users/me').set(elsewhere).expect(401);
    });

    it('409s a taken username, 400s bad values, 404s an unknown user, changing nothing', async () => {
      const user = await createUser(ctx.app, uniqueName('patcher'));
      const other = await createUser(ctx.app, uniqueName('taken'));
      const patch = (path: string) => http().patch(path).set(user.auth);
      const before = await snapshotDatabase(ctx.app);
      await patch(`/users/${user.id}`).send({ username: other.username }).expect(409);
      await patch(`/users/${user.id}`).send({ username: 'no spaces' }).expect(400);
      await patch(`/users/${user.id}`).send({ id: 5 }).expect(400);
      for (const field of ['username', 'email', 'password', 'currentPassword']) {
        const res = await patch(`/users/${user.id}`)
          .send({ [field]: null })
          .expect(400);
        expect(res.body.message).toBe(`${field} must be a string`);
      }
      await patch('/users/999999').send({ username: 'free' }).expect(404);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });

    it("403s a change to someone else's account, 401s one without a token, changing nothing", async () => {
      const user = await createUser(ctx.app, uniqueName('victim'));
      const other = await createUser(ctx.app, uniqueName('intruder'));
      const before = await snapshotDatabase(ctx.app);
      const forbidden = await http()
        .patch(`/users/${user.id}`)
        .set(other.auth)
        .send({ username: uniqueName('hijacked') })
        .expect(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      // Not even with the owner's password: only the owner's token will do.
      await http()
        .patch(`/users/${user.id}`)
        .set(other.auth)
        .send({ password: 'taken over!', currentPassword: user.password })
        .expect(403);
      const anonymous = await http()
        .patch(`/users/${user.id}`)
        .send({ username: uniqueName('hijacked') })
        .expect(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });
  });

  describe('DELETE /users/:id', () => {
    it('deletes the signed-in user with all their posts and sessions', async () => {
      const user = await createUser(ctx.app, uniqueName('leaver'));
      const other = await createUser(ctx.app, uniqueName('stayer'));
      const one = await createPost(ctx.app, user, 'one');
      const two = await createPost(ctx.app, user, 'two');
      const kept = await createPost(ctx.app, other, 'kept');
      const postsBefore = await sqlOf(ctx.app).selectFrom('post').select('id').execute();
      await expect(sessionsOf(user.id)).resolves.toHaveLength(1);

      await http().delete(`/users/${user.id}`).set(user.auth).expect(204).expect('');
      await http().get(`/users/${user.id}`).expect(404);
      await http().get(`/users/${user.id}/posts`).expect(404);
      const posts = await sqlOf(ctx.app).selectFrom('post').select('id').execute();
      expect(posts.map((p) => p.id).sort((a, b) => a - b)).toEqual(
        postsBefore
          .map((p) => p.id)
          .filter((id) => id !== one.id && id !== two.id)
          .sort((a, b) => a - b),
      );
      expect(posts.map((p) => p.id)).toContain(kept.id);
      // Their sessions went with them: the token is refused, the other user's still works.
      await expect(sessionsOf(user.id)).resolves.toEqual([]);
      await expect(sessionsOf(other.id)).resolves.toHaveLength(1);
      await http().get('/users/me').set(user.auth).expect(401);
      await http().get('/users/me').set(other.auth).expect(200);
    });

    it('403s deleting someone else, 401s without a token, deleting nothing', async () => {
      const user = await createUser(ctx.app, uniqueName('kept'));
      const other = await createUser(ctx.app, uniqueName('deleter'));
      await createPost(ctx.app, user, 'still here');
      const before = await snapshotDatabase(ctx.app);
      const res = await http().delete(`/users/${user.id}`).set(other.auth).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      await http().delete(`/users/${user.id}`).expect(401);
      await http().delete(`/users/${user.id}`).set(bearer('not-a-token')).expect(401);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
      await http().get(`/users/${user.id}`).expect(200);
    });

    it('404s an unknown user', async () => {
      const user = await createUser(ctx.app, uniqueName('seeker'));
      await http()
        .delete('/users/999999')
        .set(user.auth)
        .expect(404, { statusCode: 404, error: 'Not Found', message: 'user 999999 not found' });
    });
  });

  describe('GET /users (pages and sort orders)', () => {
    const NAMES = ['lstmia', 'lstzoe', 'lstadam', 'lstbob', 'lsteve', 'lstcarl', 'lstdan'];
    let all: { id: number; username: string }[];

    beforeAll(async () => {
      for (const name of NAMES) {
        await createUser(ctx.app, name);
      }
      for (let i = 0; i < 20; i++) {
        await createUser(ctx.app, `filler${i}`);
      }
      const res = await http().get('/users?limit=100').expect(200);
      all = res.body.items;
      expect(res.body.nextCursor).toBeNull();
    });

    it('defaults to id order, 20 per page, public users only (no email)', async () => {
      expect(all.length).toBeGreaterThan(20);
      for (const user of all) {
        expect(Object.keys(user).sort()).toEqual(['id', 'username']);
      }
      const res = await http().get('/users').expect(200);
      expectNoSecrets(res);
      expect(res.text).not.toContain('@');
      expect(res.body.items).toEqual(all.slice(0, 20));
      expect(res.body.nextCursor).toEqual(expect.any(String));
      expect(all.map((u) => u.id)).toEqual([...all.map((u) => u.id)].sort((a, b) => a - b));
    });

    it.each(['id', '-id', 'username', '-username'])(
      'pages through sort=%s with no gaps or repeats',
      async (sort) => {
        const whole = (await http().get(`/users?sort=${sort}&limit=100`).expect(200)).body
          .items as { id: number; username: string }[];
        expect([...whole].sort((a, b) => a.id - b.id)).toEqual(all);
        const { items, pages } = await collectPages<{ id: number; username: string }>(
          ctx.app,
          `/users?sort=${sort}&limit=3`,
        );
        expect(pages).toBe(Math.ceil(all.length / 3));
        expect(items).toEqual(whole);
      },
    );

    it('sorts by id numerically and by username alphabetically, either way', async () => {
      const order = async (sort: string) =>
        (
          (await http().get(`/users?sort=${sort}&limit=100`).expect(200)).body.items as {
            id: number;
            username: string;
          }[]
        ).filter((u) => NAMES.includes(u.username));
      const alphabetical = [...NAMES].sort();
      await expect(order('username').then((u) => u.map((x) => x.username))).resolves.toEqual(
        alphabetical,
      );
      await expect(order('-username').then((u) => u.map((x) => x.username))).resolves.toEqual(
        [...alphabetical].reverse(),
      );
      const ids = (await order('-id')).map((u) => u.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });

    it('rejects a bad sort, limit or cursor, and a cursor from another sort order', async () => {
      for (const query of [
        'sort=email',
        'limit=0',
        'limit=101',
        'limit=abc',
        'limit=1.5',
        'limit=0x10',
        'limit=%205',
        'limit=010',
        'limit=1e1',
        'limit=',
        'limit=1&limit=2',
        'cursor=garbage',
        'page=2',
      ]) {
        const res = await http().get(`/users?${query}`).expect(400);
        expect(res.body.message).toMatch(/sort|limit|cursor|page/);
      }
      const byId = await http().get('/users?limit=1').expect(200);
      const res = await http()
        .get(`/users?sort=username&cursor=${byId.body.nextCursor}`)
        .expect(400);
      expect(res.body.message).toBe('cursor belongs to a different listing or sort order');
    });
  });
});
