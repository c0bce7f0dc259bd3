import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/** The tutorial's "play time" session, as the README's curl walk-through replays it. */
describeEachDatabase('play time over HTTP', (kind) => {
  const ctx = useMigratedApp(kind);
  const http = () => ctx.http();

  it('replays the session', async () => {
    // u = User(username='john', email='john@example.com'); db.session.add(u); commit
    await http()
      .post('/users')
      .send({ username: 'john', email: 'john@example.com' })
      .expect(201, { id: 1, username: 'john', email: 'john@example.com' });
    await http()
      .post('/users')
      .send({ username: 'susan', email: 'susan@example.com' })
      .expect(201, { id: 2, username: 'susan', email: 'susan@example.com' });

    // query = sa.select(User); users = db.session.scalars(query).all()
    const users = await http().get('/users').expect(200);
    expect(users.body).toEqual({
      items: [
        { id: 1, username: 'john', email: 'john@example.com' },
        { id: 2, username: 'susan', email: 'susan@example.com' },
      ],
      nextCursor: null,
    });

    // u = db.session.get(User, 1)
    await http()
      .get('/users/1')
      .expect(200, { id: 1, username: 'john', email: 'john@example.com' });

    // p = Post(body='my first post!', author=u); commit
    const post = await http()
      .post('/posts')
      .send({ body: 'my first post!', authorId: 1 })
      .expect(201);
    expect(post.body).toMatchObject({
      id: 1,
      body: 'my first post!',
      author: { id: 1, username: 'john' },
    });

    // u.posts.select() for john, then susan
    const johns = await http().get('/users/1/posts').expect(200);
    expect((johns.body.items as { body: string }[]).map((p) => p.body)).toEqual(['my first post!']);
    await http().get('/users/2/posts').expect(200, { items: [], nextCursor: null });

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
    await http().delete('/users/1').expect(204);
    await http().delete('/users/2').expect(204);
    await http().get('/users').expect(200, { items: [], nextCursor: null });
    await http().get('/posts').expect(200, { items: [], nextCursor: null });
  });
});
