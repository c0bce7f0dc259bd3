import { Injectable } from '@nestjs/common';
import { ReadQueries } from '../database/read-queries';

/** Where a page of posts starts: after the post with this timestamp (ms) and id. */
export type PostPosition = [timestampMs: number, id: number];

/** A post as reads return it: plain data with its author's id and username. */
export interface PostView {
  id: number;
  body: string;
  timestamp: Date;
  author: { id: number; username: string };
}

/** The post reads: one query each, with the author joined in. */
@Injectable()
export class PostQueries extends ReadQueries {
  /** One post with its author, or undefined. */
  async findView(id: number): Promise<PostView | undefined> {
    const row = await this.selectViews().where('p.id', '=', id).executeTakeFirst();
    return row && toView(row);
  }

  /**
   * Up to `limit` posts after `after`, newest first, each with its author; only `authorId`'s
   * when given. Served by `ix_post_timestamp`, or `ix_post_user_id_timestamp` for one author,
   * read backwards without a sort step.
   */
  async findViewPage(limit: number, after?: PostPosition, authorId?: number): Promise<PostView[]> {
    let query = this.selectViews()
      .orderBy('p.timestamp', 'desc')
      .orderBy('p.id', 'desc')
      .limit(limit);
    if (authorId !== undefined) {
      query = query.where('p.user_id', '=', authorId);
    }
    if (after) {
      const [timestampMs, id] = after;
      query = query.where((eb) =>
        this.after(eb, 'desc', ['p.timestamp', 'p.id'], [new Date(timestampMs), id]),
      );
    }
    return (await query.execute()).map(toView);
  }

  private selectViews() {
    return this.db
      .selectFrom('post as p')
      .innerJoin('user as a', 'a.id', 'p.user_id')
      .select(['p.id', 'p.body', 'p.timestamp', 'p.user_id', 'a.username as author_username']);
  }
}

function toView(row: {
  id: number;
  body: string;
  timestamp: Date;
  user_id: number;
  author_username: string;
}): PostView {
  return {
    id: row.id,
    body: row.body,
    timestamp: row.timestamp,
    author: { id: row.user_id, username: row.author_username },
  };
}
