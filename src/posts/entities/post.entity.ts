import { inspect } from 'node:util';
import {
  Entity,
  EntityRepositoryType,
  Index,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
  type Rel,
} from '@mikro-orm/core';
import { User } from '../../users/entities/user.entity';
import { PostRepository } from '../post.repository';

export const BODY_MAX_LENGTH = 140;

@Entity({ tableName: 'post', repository: () => PostRepository })
// "A user's posts, newest first" reads this index backwards, without a sort step.
@Index({ name: 'ix_post_user_id_timestamp', properties: ['author', 'timestamp'] })
export class Post {
  [EntityRepositoryType]?: PostRepository;
  [OptionalProps]?: 'timestamp';

  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ columnType: `varchar(${BODY_MAX_LENGTH})`, length: BODY_MAX_LENGTH })
  body!: string;

  /**
   * When the post was written. Set by the application, in UTC, as the tutorial's
   * `default=lambda: datetime.now(timezone.utc)` is: the column has no database default.
   */
  // Millisecond precision everywhere: MySQL/MariaDB `datetime` would otherwise drop it.
  @Property({ type: 'datetime', length: 3 })
  @Index({ name: 'ix_post_timestamp' })
  timestamp: Date = new Date();

  @ManyToOne(() => User, {
    fieldName: 'user_id',
    index: 'ix_post_user_id',
    updateRule: 'no action',
    deleteRule: 'no action',
  })
  author!: Rel<User>;

  /** Prints like the tutorial's `__repr__`: `<Post my first post!>`. */
  [inspect.custom](): string {
    return `<Post ${this.body}>`;
  }
}
