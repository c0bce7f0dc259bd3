import { defineEntity, p } from '@mikro-orm/core';
import { varchar } from '../../database/columns';
import { AuthSession } from './auth-session.entity';

/** Length of a refresh token's SHA-256, in hex. */
export const TOKEN_HASH_LENGTH = 64;

/**
 * One refresh token of a session, stored only as its SHA-256 (the token is 256 random bits, so
 * a fast hash is enough: there is nothing to guess). Every use rotates it: the row is marked
 * used and a new one issued in the same session. Presenting a used one again revokes the
 * session. `version` makes two concurrent uses of one token collide: the second flush finds
 * the row changed and fails, so exactly one refresh succeeds.
 */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  properties: {
    id: p.integer().primary().autoincrement(),
    session: () =>
      p
        .manyToOne(AuthSession)
        .fieldName('session_id')
        .index('ix_refresh_token_session_id')
        .deleteRule('cascade')
        .updateRule('no action'),
    tokenHash: varchar(TOKEN_HASH_LENGTH).unique('ix_refresh_token_token_hash'),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    expiresAt: p.datetime(3),
    /** When it was exchanged for its successor; a second use is a reuse. */
    usedAt: p.datetime(3).nullable(),
    version: p.integer().version(),
  },
});

export class RefreshToken extends RefreshTokenSchema.class {}

RefreshTokenSchema.setClass(RefreshToken);
