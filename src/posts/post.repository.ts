import type { FilterQuery } from '@mikro-orm/core';
import { EntityRepository } from '@mikro-orm/knex';
import type { Post } from './entities/post.entity';

/** Where a page of posts starts: after the post with this timestamp (ms) and id. */
export type PostPosition = [timestampMs: number, id: number];

const NEWEST_FIRST = { timestamp: 'desc', id: 'desc' } as const;

export class PostRepository extends EntityRepository<Post> {
  /** A user's posts, newest first (served by the `ix_post_user_id_timestamp` index). */
  findByAuthor(authorId: number): Promise<Post[]> {
    return this.find({ author: authorId }, { orderBy: NEWEST_FIRST });
  }

  /** All posts, newest first, with their authors loaded in the same query. */
  findAllWithAuthors(): Promise<Post[]> {
    return this.findAll({ populate: ['author'], orderBy: NEWEST_FIRST });
  }

  /**
   * Up to `limit` posts after `after`, newest first, with their authors joined in the same
   * query; only `authorId`'s when given. Keyset pagination: the position is a condition on
   * (timestamp, id), so a deep page costs what the first one does.
   */
  findPage(limit: number, after?: PostPosition, authorId?: number): Promise<Post[]> {
    const where: FilterQuery<Post> = authorId === undefined ? {} : { author: authorId };
    if (after) {
      const [timestampMs, id] = after;
      const timestamp = new Date(timestampMs);
      // (timestamp, id) < (t, id), written so that an index range on timestamp applies.
      Object.assign(where, {
        timestamp: { $lte: timestamp },
        $or: [{ timestamp: { $lt: timestamp } }, { id: { $lt: id } }],
      });
    }
    return this.find(where, { populate: ['author'], orderBy: NEWEST_FIRST, limit });
  }
}
