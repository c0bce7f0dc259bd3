import { collectPages, createPost, createUser, expectNoSecrets, uniqueName } from './support/api';
import { passwordHashOf, snapshotDatabase, sqlOf } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

type UserJson = { id: number; username: string; email: string };

describeEachDatabase('/users', (kind) => {
  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  describe('POST /users', () => {
    it('creates a user: 201, Location, and the user without any password field', async () => {
      const name = uniqueName('john');
      const res = await http()
        .post('/users')
        .send({ username: name, email: `John.${name}@Example.com`, password: 'correct horse' })
        .expect(201)
        .expect('Content-Type', /application\/json/);
      expectNoSecrets(res);
      expect(res.body).toEqual({
        id: expect.any(Number),
        username: name,
        email: `john.${name}@example.com`,
      });
      expect(res.headers.location).toBe(`/users/${res.body.id}`);
    });

    it('stores the password only as a salted scrypt hash', async () => {
      const user = await createUser(ctx.app, uniqueName('hashed'), { password: 'correct horse' });
      const hash = await passwordHashOf(ctx.app, user.id);
      expect(hash).toMatch(/^scrypt\$ln=15,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
      expect(hash).not.toContain('correct horse');
    });

    it('creates a user without a password', async () => {
      const name = uniqueName('susan');
      const res = await http()
        .post('/users')
        .send({ username: name, email: `${name}@example.com` });
      expect(res.status).toBe(201);
      expectNoSecrets(res);
    });

    it.each([
      [
        'username,',
        (taken: UserJson) => ({ username: taken.username, email: `other.${taken.email}` }),
        'username is already taken',
      ],
      [
        'email, in other letter case,',
        (taken: UserJson) => ({
          username: uniqueName('other'),
          email: `${taken.username.toUpperCase()}@example.COM`,
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
            .send({ username: name, email: `${name}.${i}@example.com` }),
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

    it.each([
      [{ email: 'a@example.com' }, 'username must be a string'],
      [{ username: '', email: 'a@example.com' }, 'username must not be empty or only whitespace'],
      [
        { username: 'a'.repeat(65), email: 'a@example.com' },
        'username must be at most 64 characters',
      ],
      [{ username: 'john doe', email: 'a@example.com' }, 'username may contain only letters'],
      [{ username: 'jöhn', email: 'a@example.com' }, 'username may contain only letters'],
      [{ username: 42, email: 'a@example.com' }, 'username must be a string'],
      [{ username: 'a1' }, 'email must be a string'],
      [{ username: 'a1', email: 'not-an-email' }, 'email must be a valid email address'],
      [
        { username: 'a1', email: '\ud800@example.com' },
        'email must not contain NUL characters or unpaired surrogates',
      ],
      [
        { username: 'a1', email: 'a1@example.com', password: 'long enough \udc00' },
        'password must not contain NUL characters or unpaired surrogates',
      ],
      [
        { username: 'a1', email: `${'x'.repeat(110)}@example.com` },
        'email must be at most 120 characters',
      ],
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
      [{ username: null, email: 'a1@example.com' }, 'username must be a string'],
      [{ username: 'a1', email: 'a1@example.com', admin: true }, 'property admin should not exist'],
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
        .send({ username: name, email: `${lower}.1@example.com` })
        .expect(201);
      await http()
        .post('/users')
        .send({ username: lower, email: `${lower}.2@example.com` })
        .expect(201);
      await http()
        .post('/users')
        .send({ username: lower, email: `${lower}.3@example.com` })
        .expect(409);
    });

    it('accepts a 64-character username and a 120-character email', async () => {
      const username = uniqueName('u').padEnd(64, 'u');
      expect(username).toHaveLength(64);
      const email = `${username}@${'d'.repeat(51)}.com`;
      expect(email).toHaveLength(120);
      await http().post('/users').send({ username, email }).expect(201);
    });
  });

  describe('GET /users/:id', () => {
    it('returns the user', async () => {
      const susan = await createUser(ctx.app, uniqueName('getme'));
      const res = await http().get(`/users/${susan.id}`).expect(200);
      expectNoSecrets(res);
      expect(res.body).toEqual(susan);
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
      const user = await createUser(ctx.app, uniqueName('spelled'));
      const id = user.id;
      const spellings = [`0${id}`, `${id}.0`, `${id}e0`, `+${id}`, `0x${id.toString(16)}`];
      spellings.push(`0o${id.toString(8)}`, `%20${id}`, `%09${id}`, `${id}%20`);
      for (const spelling of spellings) {
        for (const method of ['get', 'patch', 'delete'] as const) {
          const res = await http()[method](`/users/${spelling}`).send({ email: 'x@example.com' });
          expect([method, spelling, res.status]).toEqual([method, spelling, 400]);
        }
      }
      await http().get(`/users/${user.id}`).expect(200).expect(user);
    });
  });

  describe('PATCH /users/:id', () => {
    it('changes the given fields only', async () => {
      const user = await createUser(ctx.app, uniqueName('patchme'));
      const res = await http()
        .patch(`/users/${user.id}`)
        .send({ email: `New.${user.username}@Example.com` })
        .expect(200);
      expectNoSecrets(res);
      expect(res.body).toEqual({
        id: user.id,
        username: user.username,
        email: `new.${user.username}@example.com`,
      });
      await http().get(`/users/${user.id}`).expect(200, res.body);
    });

    it('changes the password hash when a password is given', async () => {
      const user = await createUser(ctx.app, uniqueName('repass'), { password: 'first-password' });
      const hashOf = () => passwordHashOf(ctx.app, user.id);
      const before = await hashOf();
      expectNoSecrets(
        await http().patch(`/users/${user.id}`).send({ password: 'second-password' }).expect(200),
      );
      await expect(hashOf()).resolves.not.toBe(before);
    });

    it('409s a taken username, 400s bad values, 404s an unknown user, changing nothing', async () => {
      const user = await createUser(ctx.app, uniqueName('patcher'));
      const other = await createUser(ctx.app, uniqueName('taken'));
      const before = await snapshotDatabase(ctx.app);
      await http().patch(`/users/${user.id}`).send({ username: other.username }).expect(409);
      await http().patch(`/users/${user.id}`).send({ username: 'no spaces' }).expect(400);
      await http().patch(`/users/${user.id}`).send({ id: 5 }).expect(400);
      for (const field of ['username', 'email', 'password']) {
        const res = await http()
          .patch(`/users/${user.id}`)
          .send({ [field]: null })
          .expect(400);
        expect(res.body.message).toBe(`${field} must be a string`);
      }
      await http().patch('/users/999999').send({ username: 'free' }).expect(404);
      await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
    });
  });

  describe('DELETE /users/:id', () => {
    it('deletes the user and all their posts', async () => {
      const user = await createUser(ctx.app, uniqueName('leaver'));
      const other = await createUser(ctx.app, uniqueName('stayer'));
      const one = await createPost(ctx.app, user.id, 'one');
      const two = await createPost(ctx.app, user.id, 'two');
      const kept = await createPost(ctx.app, other.id, 'kept');
      const postsBefore = await sqlOf(ctx.app).selectFrom('post').select('id').execute();

      await http().delete(`/users/${user.id}`).expect(204).expect('');
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
    });

    it('404s an unknown user', async () => {
      await http().delete('/users/999999').expect(404);
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

    it('defaults to id order, 20 per page', async () => {
      expect(all.length).toBeGreaterThan(20);
      const res = await http().get('/users').expect(200);
      expectNoSecrets(res);
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
