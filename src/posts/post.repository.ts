import { EntityRepository } from '@mikro-orm/knex';
import type { Post } from './entities/post.entity';

export class PostRepository extends EntityRepository<Post> {
  /** A user's posts, newest first (served by the `ix_post_user_id_timestamp` index). */
  findByAuthor(authorId: number): Promise<Post[]> {
    return this.find({ author: authorId }, { orderBy: { timestamp: 'desc', id: 'desc' } });
  }

  /** All posts, newest first, with their authors loaded in the same query. */
  findAllWithAuthors(): Promise<Post[]> {
    return this.findAll({
      populate: ['author'],
      orderBy: { timestamp: 'desc', id: 'desc' },
    });
  }
}
