import type { Dictionary, EntityDictionary } from '@mikro-orm/core';
import { EntityRepository, type Knex } from '@mikro-orm/knex';
import { databaseDate, runQuery, tableQuery } from '../database/table-query';
import { Post } from './entities/post.entity';

/** Where a page of posts starts: after the post with this timestamp (ms) and id. */
export type PostPosition = [timestampMs: number, id: number];

/** A post as reads return it: plain data with its author's id and username. */
export interface PostView {
  id: number;
  body: string;
  timestamp: Date;
  author: { id: number; username: string };
}

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

  /** Inserts one post (a single statement) and returns its id. */
  async insertRow(body: string, timestamp: Date, authorId: number): Promise<number> {
    const em = this.getEntityManager();
    const row = { body, timestamp: databaseDate(em.getPlatform(), timestamp), user_id: authorId };
    // PostgreSQL (and SQLite) return the row asked for; MySQL and MariaDB the new id.
    const [inserted] = await runQuery<(number | { id: number })[]>(
      em,
      tableQuery(em, 'post').insert(row, ['id']),
    );
    return typeof inserted === 'number' ? inserted : inserted.id;
  }

  /** One post with its author, or undefined. */
  async findView(id: number): Promise<PostView | undefined> {
    const row = await this.run<Dictionary | undefined>(
      this.selectViews().where('p.id', id).first(),
    );
    return row && this.toView(row);
  }

  /**
   * Up to `limit` posts after `after`, newest first, each with its author (one query, a join);
   * only `authorId`'s when given. Keyset pagination: the position is a condition on
   * (timestamp, id), so a deep page costs what the first one does.
   */
  async findViewPage(limit: number, after?: PostPosition, authorId?: number): Promise<PostView[]> {
    let query = this.selectViews()
      .orderBy([
        { column: 'p.timestamp', order: 'desc' },
        { column: 'p.id', order: 'desc' },
      ])
      .limit(limit);
    if (authorId !== undefined) {
      query = query.where('p.user_id', authorId);
    }
    if (after) {
      const [timestampMs, id] = after;
      const timestamp = databaseDate(this.getEntityManager().getPlatform(), new Date(timestampMs));
      // (timestamp, id) < (t, id), written so that an index range on timestamp applies. (The
      // callback adds to `q`; `void` because knex builders are thenables.)
      query = query
        .where('p.timestamp', '<=', timestamp)
        .andWhere((q) => void q.where('p.timestamp', '<', timestamp).orWhere('p.id', '<', id));
    }
    return (await this.run<Dictionary[]>(query)).map((row) => this.toView(row));
  }

  private run<T>(query: Knex.QueryBuilder): Promise<T> {
    return runQuery<T>(this.getEntityManager(), query);
  }

  private selectViews(): Knex.QueryBuilder {
    return tableQuery(this.getEntityManager(), 'post as p')
      .join('user as a', 'a.id', 'p.user_id')
      .select('p.id', 'p.body', 'p.timestamp', 'p.user_id', 'a.username as author_username');
  }

  /** A row as the driver returns it, through the ORM's own mapping (timestamps to Dates). */
  private toView(row: Dictionary): PostView {
    const comparator = this.getEntityManager().getComparator();
    const post = comparator.mapResult<Post>(Post.name, row as EntityDictionary<Post>) as {
      id: number;
      body: string;
      timestamp: Date;
      author: number;
      author_username: string;
    };
    return {
      id: post.id,
      body: post.body,
      timestamp: post.timestamp,
      author: { id: post.author, username: post.author_username },
    };
  }
}
