import { EntityManager } from '@mikro-orm/core';
import { NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { User } from '../users/entities/user.entity';
import { PostRepository } from './post.repository';
import { PostsService } from './posts.service';

describe('PostsService', () => {
  const posts = {
    create: jest.fn(),
    findOne: jest.fn(),
    findByAuthor: jest.fn(),
    findAllWithAuthors: jest.fn(),
    nativeDelete: jest.fn(),
  };
  const em = { flush: jest.fn(), getReference: jest.fn() };
  let service: PostsService;

  beforeEach(async () => {
    jest.clearAllMocks();
    const moduleRef = await Test.createTestingModule({
      providers: [
        PostsService,
        { provide: EntityManager, useValue: em },
        { provide: PostRepository, useValue: posts },
      ],
    }).compile();
    service = moduleRef.get(PostsService);
  });

  it('creates a post for a reference to its author, without loading the author', async () => {
    const author = new User();
    em.getReference.mockReturnValue(author);
    posts.create.mockImplementation((data: object) => data);
    await expect(service.create({ body: 'hi', authorId: 3 })).resolves.toEqual({
      body: 'hi',
      author,
    });
    expect(em.getReference).toHaveBeenCalledWith(User, 3);
    expect(em.flush).toHaveBeenCalledTimes(1);
  });

  it('loads a post with its author, or throws NotFoundException naming the id', async () => {
    posts.findOne.mockResolvedValueOnce({ id: 1 }).mockResolvedValueOnce(null);
    await expect(service.findById(1)).resolves.toEqual({ id: 1 });
    expect(posts.findOne).toHaveBeenCalledWith(1, { populate: ['author'] });
    await expect(service.findById(2)).rejects.toThrow(new NotFoundException('post 2 not found'));
  });

  it('deletes by id, and 404s when nothing was deleted', async () => {
    posts.nativeDelete.mockResolvedValueOnce(1).mockResolvedValueOnce(0);
    await expect(service.delete(1)).resolves.toBeUndefined();
    await expect(service.delete(1)).rejects.toThrow('post 1 not found');
  });
});
