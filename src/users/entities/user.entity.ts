import { inspect } from 'node:util';
import { defineEntity, p } from '@mikro-orm/core';
import { varchar } from '../../database/columns';
import { Post } from '../../posts/entities/post.entity';

export const USERNAME_MAX_LENGTH = 64;
export const EMAIL_MAX_LENGTH = 120;
export const PASSWORD_HASH_MAX_LENGTH = 128;

/**
 * The tutorial's `user` table. Defined with `defineEntity` (no decorators), so that the typed
 * schema the read queries use is inferred from it: see `src/database/schema.ts`.
 */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p.integer().primary().autoincrement(),
    username: varchar(USERNAME_MAX_LENGTH).unique('ix_user_username'),
    email: varchar(EMAIL_MAX_LENGTH).unique('ix_user_email'),
    /** Never serialized, and only loaded when asked for (`populate: ['passwordHash']`). */
    passwordHash: varchar(PASSWORD_HASH_MAX_LENGTH).nullable().hidden().lazy(),
    posts: () => p.oneToMany(Post).mappedBy('author'),
  },
});

export class User extends UserSchema.class {
  /** Prints like the tutorial's `__repr__`: `<User john>`. */
  [inspect.custom](): string {
    return `<User ${this.username}>`;
  }
}

UserSchema.setClass(User);
