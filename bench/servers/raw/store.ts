import Database from 'better-sqlite3';
import type { Position } from './cursor';

/** A user as anyone may see them (the app's `UserResponse`): never the email. */
export interface UserJson {
  id: number;
  username: string;
}

/** What a sign-in needs of a user. */
export interface LoginRow {
  id: number;
  passwordHash: string | null;
}

/** A new session: its times, its first refresh token's hash, and a replacement password hash. */
export interface NewSession {
  userId: number;
  createdAt: number;
  expiresAt: number;
  tokenHash: string;
  rehash?: string;
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
  private readonly posts;
  private readonly postsAfter;
  private readonly userPosts;
  private readonly userPostsAfter;
  private readonly insertPost;
  private readonly insertUser;
  private readonly principal;
  private readonly loginByUsername;
  private readonly loginByEmail;
  private readonly updatePasswordHash;
  private readonly insertSession;
  private readonly insertRefreshToken;
  private readonly startSessionTx;

  constructor(file: string) {
    this.db = new Database(file, { fileMustExist: true });
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.userById = this.db.prepare<[number], UserJson>(
      'SELECT id, username FROM user WHERE id = ?',
    );
    this.userExists = this.db.prepare<[number]>('SELECT 1 FROM user WHERE id = ?');
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
    this.insertUser = this.db.prepare<[string, string, string]>(
      'INSERT INTO user (username, email, password_hash) VALUES (?, ?, ?)',
    );
    // The bearer guard's one query (src/auth/session.queries.ts `findPrincipal`).
    this.principal = this.db.prepare<[number, number, number], PostJson['author']>(
      'SELECT u.id, u.username FROM auth_session s JOIN user u ON u.id = s.user_id ' +
        'WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?',
    );
    this.loginByUsername = this.db.prepare<[string], LoginRow>(
      'SELECT id, password_hash AS passwordHash FROM user WHERE username = ?',
    );
    this.loginByEmail = this.db.prepare<[string], LoginRow>(
      'SELECT id, password_hash AS passwordHash FROM user WHERE email = ?',
    );
    this.updatePasswordHash = this.db.prepare<[string, number]>(
      'UPDATE user SET password_hash = ? WHERE id = ?',
    );
    this.insertSession = this.db.prepare<[number, number, number]>(
      'INSERT INTO auth_session (user_id, created_at, expires_at) VALUES (?, ?, ?)',
    );
    this.insertRefreshToken = this.db.prepare<[number, string, number, number]>(
      'INSERT INTO refresh_token (session_id, token_hash, created_at, expires_at, version) ' +
        'VALUES (?, ?, ?, ?, 1)',
    );
    // One transaction, as the app's unit of work flushes a sign-in.
    this.startSessionTx = this.db.transaction((s: NewSession): number => {
      if (s.rehash !== undefined) {
        this.updatePasswordHash.run(s.rehash, s.userId);
      }
      const session = this.insertSession.run(s.userId, s.createdAt, s.expiresAt);
      const sessionId = Number(session.lastInsertRowid);
      this.insertRefreshToken.run(sessionId, s.tokenHash, s.createdAt, s.expiresAt);
      return sessionId;
    });
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

  /**
   * The user of an access token's claims, if its session is active at `nowMs` (not revoked,
   * not expired): one primary-key lookup joined to the user, like the app's guard.
   */
  findPrincipal(userId: number, sessionId: number, nowMs: number): PostJson['author'] | undefined {
    return this.principal.get(sessionId, userId, nowMs);
  }

  /** Writes a post by the signed-in `author`, timestamped now. */
  createPost(body: string, author: PostJson['author']): PostJson {
    const timestamp = Date.now();
    const { lastInsertRowid } = this.insertPost.run(body, timestamp, author.id);
    return {
      id: Number(lastInsertRowid),
      body,
      timestamp: new Date(timestamp).toISOString(),
      author: { id: author.id, username: author.username },
    };
  }

  createUser(username: string, email: string, passwordHash: string): UserJson {
    const { lastInsertRowid } = this.insertUser.run(username, email, passwordHash);
    return { id: Number(lastInsertRowid), username };
  }

  /** The user a sign-in names: by email (already lower case) or by username. */
  findLogin(by: 'email' | 'username', value: string): LoginRow | undefined {
    return (by === 'email' ? this.loginByEmail : this.loginByUsername).get(value);
  }

  /** Creates a session with its first refresh token (and a rehash), in one transaction. */
  startSession(session: NewSession): number {
    return this.startSessionTx(session);
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
