import { initOrm } from '../../support/test-database';
import type { PostRow, RefreshTokenRow, SessionRow, StoredRows, UserRow } from './database-file';

/**
 * The rows of the app's PostgreSQL database, read at one moment over a connection of its own
 * (the way an operator would look), for `Ledger.reconcile` as `DatabaseFile` gives them for
 * SQLite: the same columns, timestamps as ISO strings.
 */
export class PostgresRows implements StoredRows {
  private constructor(
    private readonly postRows: PostRow[],
    private readonly userRows: UserRow[],
    private readonly sessionRows: SessionRow[],
    private readonly tokenRows: RefreshTokenRow[],
  ) {}

  /** Reads every table the ledger knows; call it once the app has stopped writing. */
  static async read(url: string): Promise<PostgresRows> {
    const orm = await initOrm(url);
    try {
      const connection = orm.em.getConnection();
      const rows = async <T>(sql: string): Promise<T[]> => (await connection.execute(sql)) as T[];
      const iso = (value: Date | string | null) =>
        value instanceof Date ? value.toISOString() : value;
      const posts = await rows<PostRow>('select id, body, user_id from post order by id');
      const users = await rows<UserRow>(
        'select id, username, email, password_hash from "user" order by id',
      );
      const sessions = await rows<SessionRow & { revoked_at: Date | string | null }>(
        'select id, user_id, revoked_at from auth_session order by id',
      );
      const tokens = await rows<RefreshTokenRow & { used_at: Date | string | null }>(
        'select session_id, token_hash, used_at from refresh_token order by id',
      );
      return new PostgresRows(
        posts,
        users,
        sessions.map((s) => ({ ...s, revoked_at: iso(s.revoked_at) })),
        tokens.map((t) => ({ ...t, used_at: iso(t.used_at) })),
      );
    } finally {
      await orm.close();
    }
  }

  posts(): PostRow[] {
    return this.postRows;
  }

  users(): UserRow[] {
    return this.userRows;
  }

  sessions(): SessionRow[] {
    return this.sessionRows;
  }

  refreshTokens(): RefreshTokenRow[] {
    return this.tokenRows;
  }
}
