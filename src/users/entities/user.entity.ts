import { inspect } from 'node:util';
import {
  Collection,
  Entity,
  EntityRepositoryType,
  OneToMany,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { Post } from '../../posts/entities/post.entity';
import { UserRepository } from '../user.repository';

export const USERNAME_MAX_LENGTH = 64;
export const EMAIL_MAX_LENGTH = 120;
export const PASSWORD_HASH_MAX_LENGTH = 128;

@Entity({ tableName: 'user', repository: () => UserRepository })
export class User {
  [EntityRepositoryType]?: UserRepository;

  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ columnType: `varchar(${USERNAME_MAX_LENGTH})`, length: USERNAME_MAX_LENGTH })
  @Unique({ name: 'ix_user_username' })
  username!: string;

  @Property({ columnType: `varchar(${EMAIL_MAX_LENGTH})`, length: EMAIL_MAX_LENGTH })
  @Unique({ name: 'ix_user_email' })
  email!: string;

  /** Never serialized, and only loaded when asked for (`populate: ['passwordHash']`). */
  @Property({
    columnType: `varchar(${PASSWORD_HASH_MAX_LENGTH})`,
    length: PASSWORD_HASH_MAX_LENGTH,
    nullable: true,
    hidden: true,
    lazy: true,
  })
  passwordHash?: string | null;

  @OneToMany(() => Post, (post) => post.author)
  posts = new Collection<Post>(this);

  /** Prints like the tutorial's `__repr__`: `<User john>`. */
  [inspect.custom](): string {
    return `<User ${this.username}>`;
  }
}
