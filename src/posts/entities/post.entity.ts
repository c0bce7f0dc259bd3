import { inspect } from 'node:util';
import { defineEntity, p } from '@mikro-orm/core';
import { varchar } from '../../database/columns';
import { User } from '../../users/entities/user.entity';

export const BODY_MAX_LENGTH = 140;

/** The tutorial's `post` table, with an index for "a user's posts, newest first". */
export const PostSchema = defineEntity({
  name: 'Post',
  tableName: 'post',
  properties: {
    id: p.integer().primary().autoincrement(),
    body: varchar(BODY_MAX_LENGTH),
    /**
     * When the post was written. Set by the application, in UTC, as the tutorial's
     * `default=lambda: datetime.now(timezone.utc)` is: the column has no database default.
     * Millisecond precision everywhere (MySQL/MariaDB `datetime` would otherwise drop it).
     */
    timestamp: p
      .datetime(3)
      .index('ix_post_timestamp')
      .onCreate(() => new Date()),
    author: () =>
      p
        .manyToOne(User)
        .fieldName('user_id')
        .index('ix_post_user_id')
        .updateRule('no action')
        .deleteRule('no action'),
  },
  // "A user's posts, newest first" reads this index backwards, without a sort step.
  indexes: [{ name: 'ix_post_user_id_timestamp', properties: ['author', 'timestamp'] }],
});

export class Post extends PostSchema.class {
  /** Prints like the tutorial's `__repr__`: `<Post my first post!>`. */
  [inspect.custom](): string {
    return `<Post ${this.body}>`;
  }
}

PostSchema.setClass(Post);
