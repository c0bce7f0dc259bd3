import { EntityManager } from '@mikro-orm/core';
import { NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Post } from '../posts/entities/post.entity';
import { User } from './entities/user.entity';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';

describe('UsersService', () => {
  const users = { create: jest.fn(), findOne: jest.fn(), findAllOrdered: jest.fn() };
  const txEm = { nativeDelete: jest.fn() };
  const em = {
    flush: jest.fn(),
    transactional: jest.fn((fn: (em: typeof txEm) => Promise<unknown>) => fn(txEm)),
  };
  let service: UsersService;

  beforeEach(async () => {
    jest.clearAllMocks();
    const moduleRef = await Test.createTestingModule({
      providers: [
        UsersService,
        { provide: EntityManager, useValue: em },
        { provide: UserRepository, useValue: users },
      ],
    }).compile();
    service = moduleRef.get(UsersService);
  });

  it('creates a user and flushes once', async () => {
    const user = Object.assign(new User(), { username: 'john', email: 'john@example.com' });
    users.create.mockReturnValue(user);
    await expect(service.create({ username: 'john', email: 'john@example.com' })).resolves.toBe(
      user,
    );
    expect(users.create).toHaveBeenCalledWith({ username: 'john', email: 'john@example.com' });
    expect(em.flush).toHaveBeenCalledTimes(1);
  });

  it('throws NotFoundException naming an unknown id', async () => {
    users.findOne.mockResolvedValue(null);
    await expect(service.findById(7)).rejects.toThrow(new NotFoundException('user 7 not found'));
  });

  it('passes the order through to the repository', async () => {
    users.findAllOrdered.mockResolvedValue([]);
    await expect(service.findAll('-username')).resolves.toEqual([]);
    expect(users.findAllOrdered).toHaveBeenCalledWith('-username');
  });

  it('deletes the posts, then the user, inside one transaction', async () => {
    txEm.nativeDelete.mockResolvedValueOnce(3).mockResolvedValueOnce(1);
    await expect(service.delete(5)).resolves.toBeUndefined();
    expect(em.transactional).toHaveBeenCalledTimes(1);
    expect(txEm.nativeDelete.mock.calls).toEqual([
      [Post, { author: 5 }],
      [User, { id: 5 }],
    ]);
  });

  it('fails the transaction (so it rolls back) when the user does not exist', async () => {
    txEm.nativeDelete.mockResolvedValueOnce(0).mockResolvedValueOnce(0);
    await expect(service.delete(5)).rejects.toThrow('user 5 not found');
  });
});
