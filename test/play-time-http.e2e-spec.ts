import { emptyDatabase } from './support/db-snapshot';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/**
 * The tutorial's "play time" session, as the README's curl walk-through replays it: one story,
 * on empty tables (it lists everything), with the ids the API hands out.
 */
describeEachDatabase('play time over HTTP', (kind) => {
  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  beforeEach(() => emptyDatabase(ctx.app));

  it('replays the session', async () => {
    // u = User(username='john', email='john@example.com'); db.session.add(u); commit
    const john = (
      await http().post('/users').send({ username: 'john', email: 'john@example.com' }).expect(201)
    ).body as { id: number };
    expect(john).toEqual({ id: expect.any(Number), username: 'john', email: 'john@example.com' });
    const susan = (
      await http()
        .post('/users')
        .send({ username: 'susan', email: 'susan@example.com' })
        .expect(201)
    ).body as { id: number };
    expect(susan).toEqual({
      id: expect.any(Number),
      username: 'susan',
      email: 'susan@example.com',
    });
    expect(susan.id).toBeGreaterThan(john.id);

    // query = sa.select(User); users = db.session.scalars(query).all()
    const users = await http().get('/users').expect(200);
    expect(users.body).toEqual({
      items: [
        { id: john.id, username: 'john', email: 'john@example.com' },
        { id: susan.id, username: 'susan', email: 'susan@example.com' },
      ],
      nextCursor: null,
    });

    // u = db.session.get(User, 1)
    await http()
      .get(`/users/${john.id}`)
      .expect(200, { id: john.id, username: 'john', email: 'john@example.com' });

    // p = Post(body='my first post!', author=u); commit
    const post = await http()
      .post('/posts')
      .send({ body: 'my first post!', authorId: john.id })
      .expect(201);
    expect(post.body).toMatchObject({
      id: expect.any(Number),
      body: 'my first post!',
      author: { id: john.id, username: 'john' },
    });

    // u.posts.select() for john, then susan
    const johns = await http().get(`/users/${john.id}/posts`).expect(200);
    expect((johns.body.items as { body: string }[]).map((p) => p.body)).toEqual(['my first post!']);
    await http().get(`/users/${susan.id}/posts`).expect(200, { items: [], nextCursor: null });

    // all posts with their author's id and username
    const posts = await http().get('/posts').expect(200);
    expect(posts.body.items).toEqual([post.body]);

    // users in reverse alphabetical order
    const desc = await http().get('/users?sort=-username').expect(200);
    expect((desc.body.items as { username: string }[]).map((u) => u.username)).toEqual([
      'susan',
      'john',
    ]);

    // clean up: delete everything
    await http().delete(`/users/${john.id}`).expect(204);
    await http().delete(`/users/${susan.id}`).expect(204);
    await http().get('/users').expect(200, { items: [], nextCursor: null });
    await http().get('/posts').expect(200, { items: [], nextCursor: null });
  });
});
