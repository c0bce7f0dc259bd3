import { defineEntity, p } from '@mikro-orm/core';
import { User } from '../../users/entities/user.entity';
import { RefreshToken } from './refresh-token.entity';

/**
 * A signed-in session: what one sign-in started, followed by every refresh token rotated from
 * it (a token family, RFC 9700 §4.14.2). Access tokens name their session (`sid`), so revoking
 * it signs that device out at once. Deleted with its user.
 */
export const AuthSessionSchema = defineEntity({
  name: 'AuthSession',
  tableName: 'auth_session',
  properties: {
    id: p.integer().primary().autoincrement(),
    user: () =>
      p
        .manyToOne(User)
        .fieldName('user_id')
        .index('ix_auth_session_user_id')
        .deleteRule('cascade')
        .updateRule('no action'),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    /** When its newest refresh token expires; after that the session is over. */
    expiresAt: p.datetime(3).index('ix_auth_session_expires_at'),
    /** Set when the session was ended: sign-out, a password change, or a reused token. */
    revokedAt: p.datetime(3).nullable(),
    tokens: () => p.oneToMany(RefreshToken).mappedBy('session'),
  },
});

export class AuthSession extends AuthSessionSchema.class {
  /** Whether the session still admits its tokens at `now`. */
  isActive(now: Date): boolean {
    return !this.revokedAt && this.expiresAt > now;
  }
}

AuthSessionSchema.setClass(AuthSession);
