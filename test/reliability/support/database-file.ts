import Database from 'better-sqlite3';

export interface PostRow {
  id: number;
  body: string;
  user_id: number;
}

export interface UserRow {
  id: number;
  username: string;
  email: string;
  password_hash: string | null;
}

export interface SessionRow {
  id: number;
  user_id: number;
  revoked_at: number | string | null;
}

export interface RefreshTokenRow {
  session_id: number;
  token_hash: string;
  used_at: number | string | null;
}

/** The rows a ledger is reconciled with (`Ledger.reconcile`), from any database. */
export interface StoredRows {
  posts(): PostRow[];
  users(): UserRow[];
  sessions(): SessionRow[];
  refreshTokens(): RefreshTokenRow[];
}

/**
 * A second connection to the app's SQLite file, the way an operator would look at it: integrity,
 * rows, and `data_version`, which changes whenever another connection commits a write.
 */
export class DatabaseFile implements StoredRows {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    this.db = new Database(path, { fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /** Changes whenever another connection (the app) has committed a transaction. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  posts(): PostRow[] {
    return this.db.prepare('select id, body, user_id from post order by id').all() as PostRow[];
  }

  users(): UserRow[] {
    return this.db
      .prepare('select id, username, email, password_hash from user order by id')
      .all() as UserRow[];
  }

  /** The sign-in sessions. */
  sessions(): SessionRow[] {
    return this.db
      .prepare('select id, user_id, revoked_at from auth_session order by id')
      .all() as SessionRow[];
  }

  /** The refresh tokens, as the app stores them: their SHA-256 in hex. */
  refreshTokens(): RefreshTokenRow[] {
    return this.db
      .prepare('select session_id, token_hash, used_at from refresh_token order by id')
      .all() as RefreshTokenRow[];
  }

  /** One user's row, or undefined when there is none. */
  user(id: number): UserRow | undefined {
    return this.db
      .prepare('select id, username, email, password_hash from user where id = ?')
      .get(id) as UserRow | undefined;
  }

  /** One post's row, or undefined when there is none. */
  post(id: number): PostRow | undefined {
    return this.db.prepare('select id, body, user_id from post where id = ?').get(id) as
      PostRow | undefined;
  }

  /** The ids of the users whose username or email is exactly one of these (no case folding). */
  userIdsHolding({ username, email }: { username?: string; email?: string }): number[] {
    return (
      this.db
        .prepare('select id from user where username = ? or email = ? order by id')
        .all(username ?? null, email ?? null) as { id: number }[]
    ).map((row) => row.id);
  }

  /** The whole schema as SQLite stores it, for before/after comparisons. */
  schema(): string[] {
    return (
      this.db
        .prepare('select sql from sqlite_master where sql is not null order by name')
        .all() as {
        sql: string;
      }[]
    ).map((row) => row.sql);
  }

  close(): void {
    this.db.close();
  }
}
