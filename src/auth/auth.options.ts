import { randomBytes } from 'node:crypto';
import type { Environment } from '../config/environment';

/** What the auth module is configured with, from the validated environment. */
export interface AuthOptions {
  /** The key that signs access tokens (HS256). */
  jwtSecret: Uint8Array;
  /** Whether `jwtSecret` was generated for this process (development only). */
  generatedSecret: boolean;
  /** Access token lifetime, seconds (at most an hour). */
  accessTokenTtl: number;
  /** Refresh token lifetime, seconds. */
  refreshTokenTtl: number;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** `iss` and `aud` of every access token; both are checked. */
export const TOKEN_ISSUER = 'microblog-nest';
export const TOKEN_AUDIENCE = 'microblog-nest:api';
/** The JOSE `typ` of access tokens (RFC 9068), so no other JWT passes for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * The auth options. Outside production a missing `JWT_SECRET` gets a random key for this
 * process: tokens then end with the process, and instances do not share them (the
 * environment's validation requires a secret in production).
 */
export function authOptions(
  env: Pick<Environment, 'JWT_SECRET' | 'ACCESS_TOKEN_TTL' | 'REFRESH_TOKEN_TTL'>,
): AuthOptions {
  const secret = env.JWT_SECRET;
  return {
    jwtSecret: secret ? new TextEncoder().encode(secret) : new Uint8Array(randomBytes(32)),
    generatedSecret: !secret,
    accessTokenTtl: env.ACCESS_TOKEN_TTL,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL,
  };
}
