import { LockMode, OptimisticLockError } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/sql';
import {
  ForbiddenException,
  Inject,
  Injectable,
  OnModuleInit,
  UnauthorizedException,
} from '@nestjs/common';
import { User } from '../users/entities/user.entity';
import { PasswordHasher } from '../users/password-hasher';
import { AccessTokens } from './access-tokens';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options';
import { Clock } from './clock';
import { AuthSession } from './entities/auth-session.entity';
import { RefreshToken } from './entities/refresh-token.entity';
import type { Principal } from './session.queries';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh-token-secret';

/** What a sign-in or a refresh answers. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/** The one answer to every failed sign-in, whatever failed. */
const BAD_LOGIN = 'login or password is incorrect';
const BAD_REFRESH = 'refreshToken is invalid, expired or already used';

/**
 * Sign-in, refresh, sign-out. Sessions and refresh tokens are entities: every change goes
 * through the unit of work, so a sign-in (with its rehash) or a rotation commits whole or not
 * at all.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  /** Verified when there is no user or no password, so that every failure costs one hash. */
  private dummyHash = '';

  constructor(
    private readonly em: EntityManager,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokens,
    private readonly clock: Clock,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hasher.hash(newRefreshToken());
  }

  /**
   * Signs in with a username or an email and a password. A wrong password, an unknown login and
   * a user without a password all get the same 401, after the same work (one hash). A hash in
   * an older format (release 0.1.0's scrypt) or with weaker parameters is replaced.
   */
  async login(login: string, password: string): Promise<TokenPair> {
    const where = login.includes('@') ? { email: login.toLowerCase() } : { username: login };
    const user = await this.em.findOne(User, where, { populate: ['passwordHash'] });
    const stored = user?.passwordHash ?? undefined;
    const valid = await this.hasher.verify(password, stored ?? this.dummyHash);
    if (!user || !stored || !valid) {
      throw new UnauthorizedException(BAD_LOGIN);
    }
    if (this.hasher.needsRehash(stored)) {
      user.passwordHash = await this.hasher.hash(password);
    }
    const now = this.clock.now();
    const session = this.em.create(AuthSession, {
      user,
      createdAt: now,
      expiresAt: this.refreshExpiry(now),
    });
    return this.issue(session, now);
  }

  /**
   * Exchanges a refresh token for a new pair, rotating it. A token already exchanged is a
   * reuse (RFC 9700 §4.14.2): its whole session is revoked, so neither the thief's copy nor the
   * owner's newer token works any more. Of concurrent uses of one token exactly one wins: the
   * token's row is locked for the exchange (`select ... for update`; SQLite runs one
   * transaction at a time), so the others find it used; and should two flushes still meet, the
   * token's version refuses the second.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    if (!looksLikeRefreshToken(refreshToken)) {
      throw new UnauthorizedException(BAD_REFRESH);
    }
    const now = this.clock.now();
    const outcome = await this.em
      .transactional(async (em) => {
        const token = await em.findOne(
          RefreshToken,
          { tokenHash: hashRefreshToken(refreshToken) },
          { populate: ['session'], lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!token || !token.session.isActive(now) || token.expiresAt <= now) {
          return 'invalid';
        }
        if (token.usedAt) {
          token.session.revokedAt = now; // committed: the reuse ends the session
          return 'reused';
        }
        token.usedAt = now;
        token.session.expiresAt = this.refreshExpiry(now);
        return this.issue(token.session, now);
      })
      .catch((err: unknown) => {
        if (err instanceof OptimisticLockError) {
          return 'reused' as const;
        }
        throw err;
      });
    if (typeof outcome === 'string') {
      throw new UnauthorizedException(BAD_REFRESH);
    }
    return outcome;
  }

  /**
   * Ends the session `refreshToken` belongs to, which must be one of `principal`'s (403
   * otherwise). A token that names no session, or one already over, leaves nothing to end.
   */
  async logout(principal: Principal, refreshToken: string): Promise<void> {
    const token = await this.findToken(refreshToken);
    if (!token) {
      return;
    }
    if (token.session.user.id !== principal.id) {
      throw new ForbiddenException('refreshToken belongs to a session of another user');
    }
    token.session.revokedAt ??= this.clock.now();
    await this.em.flush();
  }

  /** Ends every session of the user: sign-out everywhere. */
  async logoutEverywhere(userId: number): Promise<void> {
    await this.endSessions(userId);
  }

  /**
   * Ends every active session of the user but `keepSessionId` (the caller's own, after a
   * password change). Joins the caller's unit of work: the change that asked for it and the
   * revocations commit together.
   */
  async endSessions(userId: number, keepSessionId?: number): Promise<void> {
    const now = this.clock.now();
    const sessions = await this.em.find(AuthSession, {
      user: userId,
      revokedAt: null,
      expiresAt: { $gt: now },
      ...(keepSessionId !== undefined && { id: { $ne: keepSessionId } }),
    });
    for (const session of sessions) {
      session.revokedAt = now;
    }
    await this.em.flush();
  }

  private async issue(session: AuthSession, now: Date): Promise<TokenPair> {
    const refreshToken = newRefreshToken();
    this.em.create(RefreshToken, {
      session,
      tokenHash: hashRefreshToken(refreshToken),
      createdAt: now,
      expiresAt: this.refreshExpiry(now),
    });
    await this.em.flush();
    const accessToken = await this.tokens.sign({
      userId: session.user.id,
      sessionId: session.id,
    });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.tokens.ttl };
  }

  private findToken(refreshToken: string): Promise<RefreshToken | null> {
    if (!looksLikeRefreshToken(refreshToken)) {
      return Promise.resolve(null);
    }
    return this.em.findOne(
      RefreshToken,
      { tokenHash: hashRefreshToken(refreshToken) },
      { populate: ['session'] },
    );
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.options.refreshTokenTtl * 1000);
  }
}
