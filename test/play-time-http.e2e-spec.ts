import { bearer, type Tokens } from './support/api';
import { emptyDatabase, snapshotDatabase } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/**
 * The tutorial's "play time" session, as the README's curl walk-through replays it with
 * accounts: one story, on empty tables (it lists everything), with the ids the API hands out.
 * john and susan sign up with passwords; john signs in and writes, edits and deletes a post
 * with his token; susan cannot touch john's post, and a write without a token is refused.
 */
describeEachDatabase('play time over HTTP', (kind) => {
  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  beforeEach(() => emptyDatabase(ctx.app));

  it('replays the session', async () => {
    // u = User(username='john', email='john@example.com'); u.set_password(...); commit
    const signedUp = await http()
      .post('/users')
      .send({ username: 'john', email: 'john@example.com', password: 'correct horse' })
      .expect(201);
    const john = signedUp.body as { id: number };
    // The public user: no email, no password.
    expect(john).toEqual({ id: expect.any(Number), username: 'john' });
    expect(signedUp.headers.location).toBe(`/users/${john.id}`);
    const susan = (
      await http()
        .post('/users')
        .send({ username: 'susan', email: 'susan@example.com', password: 'battery staple' })
        .expect(201)
    ).body as { id: number };
    expect(susan).toEqual({ id: expect.any(Number), username: 'susan' });
    expect(susan.id).toBeGreaterThan(john.id);

    // query = sa.select(User); users = db.session.scalars(query).all()
    const users = await http().get('/users').expect(200);
    expect(users.body).toEqual({
      items: [
        { id: john.id, username: 'john' },
        { id: susan.id, username: 'susan' },
      ],
      nextCursor: null,
    });

    // u = db.session.get(User, 1)
    await http().get(`/users/${john.id}`).expect(200, { id: john.id, username: 'john' });

    // john signs in (the tutorial's login form): a bearer token for his requests
    const login = await http()
      .post('/auth/login')
      .send({ login: 'john', password: 'correct horse' })
      .expect(200);
    const johnTokens = login.body as Tokens;
    expect(johnTokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
    });
    const asJohn = bearer(johnTokens.accessToken);
    // Only john sees his email
    await http()
      .get('/users/me')
      .set(asJohn)
      .expect(200, { id: john.id, username: 'john', email: 'john@example.com' });

    // p = Post(body='my first post!', author=u); commit — the author is whoever signed in
    const post = await http()
      .post('/posts')
      .set(asJohn)
      .send({ body: 'my first post!' })
      .expect(201);
    expect(post.body).toEqual({
      id: expect.any(Number),
      body: 'my first post!',
      timestamp: expect.any(String),
      author: { id: john.id, username: 'john' },
    });

    // a write without a token is refused, and writes nothing
    const before = await snapshotDatabase(ctx.app);
    const anonymous = await http().post('/posts').send({ body: 'anonymous' }).expect(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);

    // susan signs in (with her email this time) and cannot edit or delete john's post
    const susanTokens = (
      await http()
        .post('/auth/login')
        .send({ login: 'susan@example.com', password: 'battery staple' })
        .expect(200)
    ).body as Tokens;
    const asSusan = bearer(susanTokens.accessToken);
    const forbidden = await http()
      .patch(`/posts/${post.body.id}`)
      .set(asSusan)
      .send({ body: 'susan was here' })
      .expect(403);
    expect(forbidden.body.error).toBe('Forbidden');
    await http().delete(`/posts/${post.body.id}`).set(asSusan).expect(403);
    await http().get(`/posts/${post.body.id}`).expect(200, post.body);

    // john edits his post: same timestamp and author, new body
    const edited = await http()
      .patch(`/posts/${post.body.id}`)
      .set(asJohn)
      .send({ body: 'my first post, edited!' })
      .expect(200);
    expect(edited.body).toEqual({ ...post.body, body: 'my first post, edited!' });

    // u.posts.select() for john, then susan
    const johns = await http().get(`/users/${john.id}/posts`).expect(200);
    expect((johns.body.items as { body: string }[]).map((p) => p.body)).toEqual([
      'my first post, edited!',
    ]);
    await http().get(`/users/${susan.id}/posts`).expect(200, { items: [], nextCursor: null });

    // all posts with their author's id and username
    const posts = await http().get('/posts').expect(200);
    expect(posts.body).toEqual({ items: [edited.body], nextCursor: null });

    // users in reverse alphabetical order
    const desc = await http().get('/users?sort=-username').expect(200);
    expect((desc.body.items as { username: string }[]).map((u) => u.username)).toEqual([
      'susan',
      'john',
    ]);

    // errors: a taken username
    await http()
      .post('/users')
      .send({ username: 'john', email: 'other@example.com', password: 'correct horse' })
      .expect(409);

    // john deletes his post
    await http().delete(`/posts/${post.body.id}`).set(asJohn).expect(204);
    await http().get(`/posts/${post.body.id}`).expect(404);

    // susan signs out: her token no longer works
    await http()
      .post('/auth/logout')
      .set(asSusan)
      .send({ refreshToken: susanTokens.refreshToken })
      .expect(204);
    await http().get('/users/me').set(asSusan).expect(401);

    // clean up: each deletes their own account (susan signs in again for it)
    await http().delete(`/users/${susan.id}`).set(asJohn).expect(403);
    await http().delete(`/users/${john.id}`).set(asJohn).expect(204);
    const susanAgain = bearer(
      (
        (
          await http()
            .post('/auth/login')
            .send({ login: 'susan', password: 'battery staple' })
            .expect(200)
        ).body as Tokens
      ).accessToken,
    );
    await http().delete(`/users/${susan.id}`).set(susanAgain).expect(204);
    await http().get('/users').expect(200, { items: [], nextCursor: null });
    await http().get('/posts').expect(200, { items: [], nextCursor: null });
    await expect(snapshotDatabase(ctx.app)).resolves.toEqual({
      users: [],
      posts: [],
      sessions: [],
      refreshTokens: [],
    });
  });
});
