import { EntityManager } from '@mikro-orm/sql';
import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/session.queries';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { Post } from '../posts/entities/post.entity';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { UserQueries } from './user.queries';
import { UsersService } from './users.service';

describe('UsersService', () => {
  const users = { findView: jest.fn(), findViewPage: jest.fn(), findAccount: jest.fn() };
  const hasher = { hash: jest.fn(), verify: jest.fn() };
  const auth = { endSessions: jest.fn() };
  const cursors = new CursorCodec('unit-test-secret-key');
  const txEm = { nativeDelete: jest.fn() };
  const em = {
    create: jest.fn(),
    findOne: jest.fn(),
    flush: jest.fn(),
    transactional: jest.fn((fn: (em: typeof txEm) => Promise<unknown>) => fn(txEm)),
  };
  const me: Principal = { id: 1, username: 'john', sessionId: 10 };
  let service: UsersService;

  /** The stored user `id`, with a password hash. */
  const stored = (id: number) =>
    Object.assign(new User(), {
      id,
      username: `u${id}`,
      email: `u${id}@example.com`,
      passwordHash: '$argon2id$stored',
    });

  beforeEach(async () => {
    jest.clearAllMocks();
    const moduleRef = await Test.createTestingModule({
      providers: [
        UsersService,
        { provide: EntityManager, useValue: em },
        { provide: UserQueries, useValue: users },
        { provide: PasswordHasher, useValue: hasher },
        { provide: CursorCodec, useValue: cursors },
        { provide: AuthService, useValue: auth },
      ],
    }).compile();
    service = moduleRef.get(UsersService);
  });

  it('signs up: stores only the hash of the password, and flushes once', async () => {
    hasher.hash.mockResolvedValue('$argon2id$hashed');
    em.create.mockImplementation((_entity: unknown, data: object) => data);
    await service.create({ username: 'john', email: 'j@example.com', password: 'plain-text' });
    expect(hasher.hash).toHaveBeenCalledWith('plain-text');
    expect(em.create).toHaveBeenCalledWith(User, {
      username: 'john',
      email: 'j@example.com',
      passwordHash: '$argon2id$hashed',
    });
    expect(em.flush).toHaveBeenCalledTimes(1);
  });

  it('updates only the given fields of your own account', async () => {
    em.findOne.mockResolvedValue(stored(1));
    await expect(service.update(1, { username: 'johnny' }, me)).resolves.toMatchObject({
      id: 1,
      username: 'johnny',
      email: 'u1@example.com',
    });
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(auth.endSessions).not.toHaveBeenCalled();
    expect(em.flush).toHaveBeenCalledTimes(1);
  });

  it('refuses to change someone else’s account (403) and an unknown one (404), writing nothing', async () => {
    em.findOne.mockResolvedValueOnce(stored(2)).mockResolvedValueOnce(null);
    await expect(service.update(2, { username: 'x' }, me)).rejects.toThrow(ForbiddenException);
    await expect(service.update(7, { username: 'x' }, me)).rejects.toThrow(
      new NotFoundException('user 7 not found'),
    );
    expect(em.flush).not.toHaveBeenCalled();
  });

  it('needs the current password for a new password or email: 400 without, 403 when wrong', async () => {
    em.findOne.mockResolvedValue(stored(1));
    await expect(service.update(1, { password: 'new password!' }, me)).rejects.toThrow(
      BadRequestException,
    );
    await expect(service.update(1, { email: 'new@example.com' }, me)).rejects.toThrow(
      BadRequestException,
    );
    hasher.verify.mockResolvedValue(false);
    await expect(
      service.update(1, { password: 'new password!', currentPassword: 'wrong' }, me),
    ).rejects.toThrow(new ForbiddenException('currentPassword is incorrect'));
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(em.flush).not.toHaveBeenCalled();
  });

  it('changes the password and ends every other session, keeping this one', async () => {
    em.findOne.mockResolvedValue(stored(1));
    hasher.verify.mockResolvedValue(true);
    hasher.hash.mockResolvedValue('$argon2id$new');
    const user = await service.update(
      1,
      { password: 'new password!', currentPassword: 'old password' },
      me,
    );
    expect(hasher.verify).toHaveBeenCalledWith('old password', '$argon2id$stored');
    expect(user.passwordHash).toBe('$argon2id$new');
    expect(auth.endSessions).toHaveBeenCalledWith(1, 10);
  });

  it('lists a page: asks for one extra row, and returns a cursor only when it exists', async () => {
    const rows = [1, 2, 3].map((id) => ({ id, username: `u${id}` }));
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
    users.findView.mockResolvedValue(undefined);
    await expect(service.view(7)).rejects.toThrow(new NotFoundException('user 7 not found'));
  });

  it('deletes your posts, then you, inside one transaction', async () => {
    em.findOne.mockResolvedValue(stored(1));
    txEm.nativeDelete.mockResolvedValueOnce(3).mockResolvedValueOnce(1);
    await expect(service.delete(1, me)).resolves.toBeUndefined();
    expect(em.transactional).toHaveBeenCalledTimes(1);
    expect(txEm.nativeDelete.mock.calls).toEqual([
      [Post, { author: 1 }],
      [User, { id: 1 }],
    ]);
  });

  it('refuses to delete someone else, deleting nothing', async () => {
    em.findOne.mockResolvedValue(stored(2));
    await expect(service.delete(2, me)).rejects.toThrow(ForbiddenException);
    expect(em.transactional).not.toHaveBeenCalled();
  });
});
