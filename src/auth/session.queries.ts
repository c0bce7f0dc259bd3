import { Injectable } from '@nestjs/common';
import { ReadQueries } from '../database/read-queries';

/** The signed-in user a request acts for. */
export interface Principal {
  id: number;
  username: string;
  /** The session its access token was issued in. */
  sessionId: number;
}

/** The one read every authenticated request makes. */
@Injectable()
export class SessionQueries extends ReadQueries {
  /**
   * The user of an access token, if its session is still active at `now` (not signed out,
   * revoked or expired): one primary-key lookup joined to the user, so that signing out or
   * changing a password ends the session's access tokens at once, not when they expire.
   */
  async findPrincipal(
    userId: number,
    sessionId: number,
    now: Date,
  ): Promise<Principal | undefined> {
    const row = await this.db
      .selectFrom('auth_session as s')
      .innerJoin('user as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.username'])
      .where('s.id', '=', sessionId)
      .where('s.user_id', '=', userId)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .executeTakeFirst();
    return row && { id: row.id, username: row.username, sessionId };
  }
}
