import { EntityManager, ForeignKeyConstraintViolationException } from '@mikro-orm/sql';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/session.queries';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/keyset';
import type { Page } from '../common/pagination/page';
import { Post } from '../posts/entities/post.entity';
import type { CreateUserDto } from './dto/create-user.dto';
import type { ListUsersQueryDto } from './dto/list-users-query.dto';
import type { UpdateUserDto } from './dto/update-user.dto';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import {
  positionOf,
  sortsByUsername,
  UserQueries,
  type AccountView,
  type UserView,
} from './user.queries';

@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserQueries,
    private readonly hasher: PasswordHasher,
    private readonly cursors: CursorCodec,
    private readonly auth: AuthService,
  ) {}

  /**
   * Signs up: a user with a password (the seed and the shell may also make users without one,
   * as the tutorial does). A taken username or email fails on the unique index (409).
   */
  async create({ username, email, password }: CreateUserDto): Promise<User> {
    const passwordHash = await this.hasher.hash(password);
    const user = this.em.create(User, { username, email, passwordHash });
    await this.em.flush();
    return user;
  }

  /** The signed-in user's own account, email included. */
  async account(principal: Principal): Promise<AccountView> {
    const account = await this.users.findAccount(principal.id);
    if (!account) {
      throw new NotFoundException(`user ${principal.id} not found`);
    }
    return account;
  }

  /** The user as reads show it; 404 when there is none. */
  async view(id: number): Promise<UserView> {
    const user = await this.users.findView(id);
    if (!user) {
      throw new NotFoundException(`user ${id} not found`);
    }
    return user;
  }

  async list({ sort, limit, cursor }: ListUsersQueryDto): Promise<Page<UserView>> {
    const listing = `users?sort=${sort}`;
    const sortType = sortsByUsername(sort) ? 'string' : 'number';
    const after = cursor ? this.cursors.decode(cursor, listing, sortType) : undefined;
    const rows = await this.users.findViewPage(sort, limit + 1, after);
    return toPage(rows, limit, (last) => this.cursors.encode(listing, positionOf(sort, last)));
  }

  /**
   * Changes the signed-in user's own account. A new password or email needs the current
   * password (and a current password that is given must be right); a new password also ends
   * every other session of the user, in the same transaction.
   */
  async update(
    id: number,
    { username, email, password, currentPassword }: UpdateUserDto,
    principal: Principal,
  ): Promise<User> {
    const user = await this.loadOwn(id, principal);
    // Needed for a new password or email; checked whenever it is given.
    if (password !== undefined || email !== undefined || currentPassword !== undefined) {
      if (currentPassword === undefined) {
        throw new BadRequestException(
          'currentPassword is required to change the password or the email',
        );
      }
      const stored = user.passwordHash;
      if (!stored || !(await this.hasher.verify(currentPassword, stored))) {
        throw new ForbiddenException('currentPassword is incorrect');
      }
    }
    if (username !== undefined) {
      user.username = username;
    }
    if (email !== undefined) {
      user.email = email;
    }
    if (password !== undefined) {
      user.passwordHash = await this.hasher.hash(password);
      await this.auth.endSessions(user.id, principal.sessionId); // flushes the changes too
    }
    await this.em.flush();
    return user;
  }

  /**
   * Deletes the user and all their posts, in one transaction. A post written for the user by
   * another request between the two deletes makes the foreign key refuse the second one: that
   * is a conflict (409, try again), and the transaction leaves everything as it was.
   */
  async delete(id: number, principal: Principal): Promise<void> {
    await this.loadOwn(id, principal);
    try {
      await this.em.transactional(async (em) => {
        await em.nativeDelete(Post, { author: id });
        if ((await em.nativeDelete(User, { id })) === 0) {
          throw new NotFoundException(`user ${id} not found`);
        }
      });
    } catch (err) {
      if (err instanceof ForeignKeyConstraintViolationException) {
        throw new ConflictException(`user ${id} got a new post while being deleted; try again`);
      }
      throw err;
    }
  }

  /** The user `id`, with its password hash: 404 when there is none, 403 when it is not you. */
  private async loadOwn(id: number, principal: Principal): Promise<User> {
    const user = await this.em.findOne(User, id, { populate: ['passwordHash'] });
    if (!user) {
      throw new NotFoundException(`user ${id} not found`);
    }
    if (user.id !== principal.id) {
      throw new ForbiddenException(`user ${id} is not you: only they may change their account`);
    }
    return user;
  }
}
