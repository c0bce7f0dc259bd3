import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import {
  ACCESS_TOKEN_TYPE,
  AUTH_OPTIONS,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AuthOptions,
} from './auth.options';
import { Clock } from './clock';

/** Who an access token speaks for: the user, and the session it was issued in. */
export interface AccessClaims {
  userId: number;
  sessionId: number;
}

/** An access token that does not verify, for whatever reason (never said to the client). */
export class InvalidAccessToken extends Error {
  override name = 'InvalidAccessToken';
}

const POSITIVE_INT = /^[1-9]\d{0,9}$/;

/**
 * Access tokens: JWTs signed with HS256, `typ` `at+jwt`, with `iss`, `aud`, `sub` (the user),
 * `sid` (the session), `iat`, `exp` and `jti`. Verification accepts HS256 only (so `alg: none`
 * and tokens signed with another algorithm or key fail), and checks the type, issuer,
 * audience and lifetime against the injected clock.
 */
@Injectable()
export class AccessTokens {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    private readonly clock: Clock,
  ) {}

  /** A lifetime in seconds, as the token response's `expiresIn` says it. */
  get ttl(): number {
    return this.options.accessTokenTtl;
  }

  async sign({ userId, sessionId }: AccessClaims): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(String(userId))
      .setIssuedAt(now)
      .setExpirationTime(now + this.options.accessTokenTtl)
      .setJti(randomUUID())
      .sign(this.options.jwtSecret);
  }

  /** The claims of a valid token; `InvalidAccessToken` otherwise. */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.options.jwtSecret, {
        algorithms: ['HS256'],
        typ: ACCESS_TOKEN_TYPE,
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'sid', 'iat', 'exp'],
      });
      const { sub, sid } = payload;
      if (typeof sub !== 'string' || !POSITIVE_INT.test(sub) || !isPositiveInt(sid)) {
        throw new InvalidAccessToken('malformed claims');
      }
      return { userId: Number(sub), sessionId: sid };
    } catch (err) {
      throw err instanceof InvalidAccessToken
        ? err
        : new InvalidAccessToken(err instanceof Error ? err.name : 'unverifiable');
    }
  }
}

function isPositiveInt(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}
