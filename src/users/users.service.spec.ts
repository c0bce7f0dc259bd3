import { EntityManager } from '@mikro-orm/sql';
import { NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { Post } from '../posts/entities/post.entity';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { UserQueries } from './user.queries';
import { UsersService } from './users.service';

describe('UsersService', () => {
  const users = { findView: jest.fn(), findViewPage: jest.fn() };
  const hasher = { hash: jest.fn() };
  const cursors = new CursorCodec('unit-test-secret-key');
  const txEm = { nativeDelete: jest.fn() };
  const em = {
    create: jest.fn(),
    findOne: jest.fn(),
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
        { provide: UserQueries, useValue: users },
        { provide: PasswordHasher, useValue: hasher },
        { provide: CursorCodec, useValue: cursors },
      ],
    }).compile();
    service = moduleRef.get(UsersService);
  });

  it('creates a user without a password and flushes once', async () => {
    const user = Object.assign(new User(), { username: 'john', email: 'john@example.com' });
    em.create.mockReturnValue(user);
    await expect(service.create({ username: 'john', email: 'john@example.com' })).resolves.toBe(
      user,
    );
    expect(em.create).toHaveBeenCalledWith(User, {
      username: 'john',
      email: 'john@example.com',
      passwordHash: null,
    });
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(em.flush).toHaveBeenCalledTimes(1);
  });

  it('stores only the hash of a given password', async () => {
    hasher.hash.mockResolvedValue('scrypt$hashed');
    em.create.mockImplementation((_entity: unknown, data: object) => data);
    await service.create({ username: 'john', email: 'j@example.com', password: 'plain-text' });
    expect(hasher.hash).toHaveBeenCalledWith('plain-text');
    expect(em.create).toHaveBeenCalledWith(User, {
      username: 'john',
      email: 'j@example.com',
      passwordHash: 'scrypt$hashed',
    });
  });

  it('updates only the given fields', async () => {
    const user = Object.assign(new User(), { id: 1, username: 'john', email: 'j@example.com' });
    em.findOne.mockResolvedValue(user);
    await expect(service.update(1, { email: 'new@example.com' })).resolves.toEqual(
      Object.assign(new User(), { id: 1, username: 'john', email: 'new@example.com' }),
    );
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(em.flush).toHaveBeenCalledTimes(1);
  });

  it('lists a page: asks for one extra row, and returns a cursor only when it exists', async () => {
    const rows = [1, 2, 3].map((id) => ({ id, username: `u${id}`, email: `u${id}@example.com` }));
    users.findViewPage.mockResolvedValueOnce(rows);
    const page = await service.list({ sort: 'username', limit: 2 });
    expect(users.findViewPage).toHaveBeenCalledWith('username', 3, undefined);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(cursors.decode(page.nextCursor!, 'users?sort=username', 'string')).toEqual(['u2', 2]);

    users.findViewPage.mockResolvedValueOnce(rows.slice(2));
    const last = await service.list({ sort: 'username', limit: 2, cursor: page.nextCursor! });
    expect(users.findViewPage).toHaveBeenLastCalledWith('username', 3, ['u2', 2]);
    expect(last).toEqual({ items: rows.slice(2), nextCursor: null });
  });

  it('throws NotFoundException naming an unknown id', async () => {
    em.findOne.mockResolvedValue(null);
    await expect(service.update(7, { email: 'x@example.com' })).rejects.toThrow(
      new NotFoundException('user 7 not found'),
    );
    expect(em.flush).not.toHaveBeenCalled();
    users.findView.mockResolvedValue(undefined);
    await expect(service.view(7)).rejects.toThrow(new NotFoundException('user 7 not found'));
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
