import { EntityManager } from '@mikro-orm/core';
import { Injectable, NotFoundException } from '@nestjs/common';
import { Post } from '../posts/entities/post.entity';
import { User } from './entities/user.entity';
import { UserRepository, type UserOrder } from './user.repository';

export interface NewUser {
  username: string;
  email: string;
  passwordHash?: string | null;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserRepository,
  ) {}

  async create(data: NewUser): Promise<User> {
    const user = this.users.create(data);
    await this.em.flush();
    return user;
  }

  async findById(id: number): Promise<User> {
    const user = await this.users.findOne(id);
    if (!user) {
      throw new NotFoundException(`user ${id} not found`);
    }
    return user;
  }

  findAll(order?: UserOrder): Promise<User[]> {
    return this.users.findAllOrdered(order);
  }

  /** Deletes the user and all their posts, in one transaction. */
  async delete(id: number): Promise<void> {
    await this.em.transactional(async (em) => {
      await em.nativeDelete(Post, { author: id });
      if ((await em.nativeDelete(User, { id })) === 0) {
        throw new NotFoundException(`user ${id} not found`);
      }
    });
  }
}
