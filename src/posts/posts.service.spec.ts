import { EntityManager } from '@mikro-orm/sql';
import { ForbiddenException, NotFoundException } from '@nestjs/common';
import type { Principal } from '../auth/session.queries';
import { Test } from '@nestjs/testing';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { UserQueries } from '../users/user.queries';
import { Post } from './entities/post.entity';
import { PostQueries } from './post.queries';
import { PostsService } from './posts.service';

describe('PostsService', () => {
  const posts = { findView: jest.fn(), findViewPage: jest.fn() };
  const users = { findView: jest.fn() };
  const em = { insert: jest.fn(), findOne: jest.fn(), remove: jest.fn(), flush: jest.fn() };
  let service: PostsService;
  const john: Principal = { id: 3, username: 'john', sessionId: 1 };

  beforeEach(async () => {
    jest.clearAllMocks();
    const moduleRef = await Test.createTestingModule({
      providers: [
        PostsService,
        { provide: EntityManager, useValue: em },
        { provide: PostQueries, useValue: posts },
        { provide: UserQueries, useValue: users },
        { provide: CursorCodec, useValue: new CursorCodec('unit-test-secret-key') },
      ],
    }).compile();
    service = moduleRef.get(PostsService);
  });

  it('creates a post by the signed-in user with one insert, timestamped now', async () => {
    em.insert.mockResolvedValue(7);
    const before = Date.now();
    const post = await service.create({ body: 'hi' }, john);
    expect(post).toEqual({
      id: 7,
      body: 'hi',
      timestamp: expect.any(Date),
      author: { id: 3, username: 'john' },
    });
    expect(post.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(em.insert).toHaveBeenCalledWith(Post, {
      body: 'hi',
      timestamp: post.timestamp,
      author: 3,
    });
    expect(em.flush).not.toHaveBeenCalled();
  });

  it('lists a user’s posts in one query, looking the user up only when the page is empty', async () => {
    const post = { id: 1, body: 'hi', timestamp: new Date(), author: { id: 5, username: 'j' } };
    posts.findViewPage.mockResolvedValueOnce([post]);
    await expect(service.listByAuthor(5, { limit: 20 })).resolves.toEqual({
      items: [post],
      nextCursor: null,
    });
    expect(posts.findViewPage).toHaveBeenCalledWith(21, undefined, 5);
    expect(users.findView).not.toHaveBeenCalled();

    posts.findViewPage.mockResolvedValueOnce([]);
    users.findView.mockResolvedValueOnce({ id: 5, username: 'j', email: 'j@example.com' });
    await expect(service.listByAuthor(5, { limit: 20 })).resolves.toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('404s the posts of a user that does not exist', async () => {
    posts.findViewPage.mockResolvedValue([]);
    users.findView.mockResolvedValue(undefined);
    await expect(service.listByAuthor(5, { limit: 20 })).rejects.toThrow('user 5 not found');
  });

  it('edits your post and flushes; 404s an unknown one and 403s someone else’s, writing nothing', async () => {
    const post = { id: 1, body: 'old', author: { id: 3 } };
    em.findOne
      .mockResolvedValueOnce(post)
      .mockResolvedValueOnce(null)
      .mockResolvedValueOnce({ id: 5, body: 'theirs', author: { id: 4 } });
    await expect(service.update(1, { body: 'new' }, john)).resolves.toMatchObject({ body: 'new' });
    expect(em.findOne).toHaveBeenCalledWith(Post, 1, { populate: ['author'] });
    expect(em.flush).toHaveBeenCalledTimes(1);
    await expect(service.update(2, { body: 'new' }, john)).rejects.toThrow(
      new NotFoundException('post 2 not found'),
    );
    await expect(service.update(5, { body: 'new' }, john)).rejects.toThrow(ForbiddenException);
    expect(em.flush).toHaveBeenCalledTimes(1);
    posts.findView.mockResolvedValueOnce(undefined);
    await expect(service.view(3)).rejects.toThrow(new NotFoundException('post 3 not found'));
  });

  it('deletes your post through the unit of work; 404s an unknown one, 403s someone else’s', async () => {
    const post = { id: 1, author: { id: 3 } };
    em.findOne
      .mockResolvedValueOnce(post)
      .mockResolvedValueOnce(null)
      .mockResolvedValueOnce({ id: 5, author: { id: 4 } });
    await expect(service.delete(1, john)).resolves.toBeUndefined();
    expect(em.remove).toHaveBeenCalledWith(post);
    expect(em.flush).toHaveBeenCalledTimes(1);
    await expect(service.delete(1, john)).rejects.toThrow('post 1 not found');
    await expect(service.delete(5, john)).rejects.toThrow(ForbiddenException);
    expect(em.remove).toHaveBeenCalledTimes(1);
  });
});
