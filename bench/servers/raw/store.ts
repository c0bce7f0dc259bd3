import Database from 'better-sqlite3';
import type { Position } from './cursor';

export interface UserJson {
  id: number;
  username: string;
  email: string;
}

export interface PostJson {
  id: number;
  body: string;
  timestamp: string;
  author: { id: number; username: string };
}

export interface PostRow {
  id: number;
  body: string;
  timestamp: number;
  authorId: number;
  username: string;
}

const POST_COLUMNS =
  'SELECT p.id, p.body, p.timestamp, u.id AS authorId, u.username FROM post p ' +
  'JOIN user u ON u.id = p.user_id';
const NEWEST_FIRST = 'ORDER BY p.timestamp DESC, p.id DESC LIMIT ?';
/** (timestamp, id) < (t, id), written as the app's repository writes it. */
const AFTER = 'p.timestamp <= ? AND (p.timestamp < ? OR p.id < ?)';

/**
 * The baseline's data access: one prepared statement per query, on a connection set up like the
 * app's (src/database/drivers.ts): foreign keys on, 5 s busy timeout, 64 MiB page cache, WAL.
 */
export class Store {
  private readonly db: Database.Database;
  private readonly userById;
  private readonly userExists;
  private readonly authorById;
  private readonly posts;
  private readonly postsAfter;
  private readonly userPosts;
  private readonly userPostsAfter;
  private readonly insertPost;
  private readonly insertUser;

  constructor(file: string) {
    this.db = new Database(file, { fileMustExist: true });
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.userById = this.db.prepare<[number], UserJson>(
      'SELECT id, username, email FROM user WHERE id = ?',
    );
    this.userExists = this.db.prepare<[number]>('SELECT 1 FROM user WHERE id = ?');
    this.authorById = this.db.prepare<[number], PostJson['author']>(
      'SELECT id, username FROM user WHERE id = ?',
    );
    this.posts = this.db.prepare<[number], PostRow>(`${POST_COLUMNS} ${NEWEST_FIRST}`);
    this.postsAfter = this.db.prepare<[number, number, number, number], PostRow>(
      `${POST_COLUMNS} WHERE ${AFTER} ${NEWEST_FIRST}`,
    );
    this.userPosts = this.db.prepare<[number, number], PostRow>(
      `${POST_COLUMNS} WHERE p.user_id = ? ${NEWEST_FIRST}`,
    );
    this.userPostsAfter = this.db.prepare<[number, number, number, number, number], PostRow>(
      `${POST_COLUMNS} WHERE p.user_id = ? AND ${AFTER} ${NEWEST_FIRST}`,
    );
    this.insertPost = this.db.prepare<[string, number, number]>(
      'INSERT INTO post (body, timestamp, user_id) VALUES (?, ?, ?)',
    );
    this.insertUser = this.db.prepare<[string, string, string | null]>(
      'INSERT INTO user (username, email, password_hash) VALUES (?, ?, ?)',
    );
  }

  findUser(id: number): UserJson | undefined {
    return this.userById.get(id);
  }

  userIsKnown(id: number): boolean {
    return this.userExists.get(id) !== undefined;
  }

  /** Up to `limit` posts after `after`, newest first, only `authorId`'s when given. */
  pageOfPosts(limit: number, after?: Position, authorId?: number): PostRow[] {
    if (authorId === undefined) {
      return after
        ? this.postsAfter.all(after[0], after[0], after[1], limit)
        : this.posts.all(limit);
    }
    return after
      ? this.userPostsAfter.all(authorId, after[0], after[0], after[1], limit)
      : this.userPosts.all(authorId, limit);
  }

  /** Writes a post for an existing author; undefined when there is no such user. */
  createPost(body: string, authorId: number): PostJson | undefined {
    const author = this.authorById.get(authorId);
    if (!author) {
      return undefined;
    }
    const timestamp = Date.now();
    const { lastInsertRowid } = this.insertPost.run(body, timestamp, authorId);
    return {
      id: Number(lastInsertRowid),
      body,
      timestamp: new Date(timestamp).toISOString(),
      author,
    };
  }

  createUser(username: string, email: string, passwordHash: string | null): UserJson {
    const { lastInsertRowid } = this.insertUser.run(username, email, passwordHash);
    return { id: Number(lastInsertRowid), username, email };
  }

  close(): void {
    this.db.close();
  }
}

export function toPostJson(row: PostRow): PostJson {
  return {
    id: row.id,
    body: row.body,
    timestamp: new Date(row.timestamp).toISOString(),
    author: { id: row.authorId, username: row.username },
  };
}
