import { EntityManager } from '@mikro-orm/core';
import { NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { UserRepository } from '../users/user.repository';
import { PostRepository } from './post.repository';
import { PostsService } from './posts.service';

describe('PostsService', () => {
  const posts = {
    create: jest.fn(),
    findOne: jest.fn(),
    findByAuthor: jest.fn(),
    findAllWithAuthors: jest.fn(),
    findView: jest.fn(),
    findViewPage: jest.fn(),
    insertRow: jest.fn(),
    nativeDelete: jest.fn(),
  };
  const users = { findOne: jest.fn(), findView: jest.fn() };
  const em = { flush: jest.fn() };
  let service: PostsService;

  beforeEach(async () => {
    jest.clearAllMocks();
    const moduleRef = await Test.createTestingModule({
      providers: [
        PostsService,
        { provide: EntityManager, useValue: em },
        { provide: PostRepository, useValue: posts },
        { provide: UserRepository, useValue: users },
        { provide: CursorCodec, useValue: new CursorCodec('unit-test-secret-key') },
      ],
    }).compile();
    service = moduleRef.get(PostsService);
  });

  it('creates a post for an existing author with one insert', async () => {
    users.findView.mockResolvedValue({ id: 3, username: 'john', email: 'john@example.com' });
    posts.insertRow.mockResolvedValue(7);
    const before = Date.now();
    const post = await service.create({ body: 'hi', authorId: 3 });
    expect(post).toEqual({
      id: 7,
      body: 'hi',
      timestamp: expect.any(Date),
      author: { id: 3, username: 'john' },
    });
    expect(post.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(posts.insertRow).toHaveBeenCalledWith('hi', post.timestamp, 3);
    expect(em.flush).not.toHaveBeenCalled();
  });

  it('refuses a post for an author that does not exist with 422, writing nothing', async () => {
    users.findView.mockResolvedValue(undefined);
    await expect(service.create({ body: 'hi', authorId: 9 })).rejects.toThrow(
      new UnprocessableEntityException('authorId 9 does not refer to an existing user'),
    );
    expect(posts.insertRow).not.toHaveBeenCalled();
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

  it('loads a post with its author, or throws NotFoundException naming the id', async () => {
    posts.findOne.mockResolvedValueOnce({ id: 1 }).mockResolvedValueOnce(null);
    await expect(service.findById(1)).resolves.toEqual({ id: 1 });
    expect(posts.findOne).toHaveBeenCalledWith(1, { populate: ['author'] });
    await expect(service.findById(2)).rejects.toThrow(new NotFoundException('post 2 not found'));
    posts.findView.mockResolvedValueOnce(undefined);
    await expect(service.view(3)).rejects.toThrow(new NotFoundException('post 3 not found'));
  });

  it('deletes by id, and 404s when nothing was deleted', async () => {
    posts.nativeDelete.mockResolvedValueOnce(1).mockResolvedValueOnce(0);
    await expect(service.delete(1)).resolves.toBeUndefined();
    await expect(service.delete(1)).rejects.toThrow('post 1 not found');
  });
});
