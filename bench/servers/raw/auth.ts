import {
  argon2,
  createHash,
  randomBytes,
  randomUUID,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { BEARER_CHALLENGE, HttpError } from './http';

/**
 * The app's accounts without Nest: access tokens (src/auth/access-tokens.ts and the bearer
 * guard, src/auth/bearer-auth.guard.ts), refresh tokens (src/auth/refresh-token-secret.ts) and
 * password hashes (src/users/password-hasher.ts). Tokens are verified and signed with `jose`,
 * as the app does, so that a request costs the baseline the same cryptography; the orchestrator
 * checks that both servers accept and refuse the same tokens with the same answers.
 */
export const TOKEN_ISSUER = 'microblog-nest';
export const TOKEN_AUDIENCE = 'microblog-nest:api';
export const ACCESS_TOKEN_TYPE = 'at+jwt';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
const POSITIVE_INT = /^[1-9]\d{0,9}$/;
const INVALID_TOKEN = { 'WWW-Authenticate': `${BEARER_CHALLENGE}, error="invalid_token"` };

/** Who an access token speaks for: the user, and the session it was issued in. */
export interface AccessClaims {
  userId: number;
  sessionId: number;
}

/** A 401 as the bearer guard answers it, with `error="invalid_token"`. */
export function invalidToken(message: string): HttpError {
  return new HttpError(401, message, INVALID_TOKEN);
}

export class AccessTokens {
  private readonly key: Uint8Array;

  /** `secret` as the app takes `JWT_SECRET`; `ttl` in seconds (`ACCESS_TOKEN_TTL`). */
  constructor(
    secret: string,
    readonly ttl: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * The claims of the `Authorization` header's token, checked as the bearer guard checks them
   * (before its session lookup): HS256 only, `typ`, `iss`, `aud`, lifetime, and `sub` and `sid`
   * as positive integers. A 401 with the guard's message otherwise.
   */
  async verify(header: string | undefined): Promise<AccessClaims> {
    if (header === undefined) {
      throw new HttpError(401, 'sign in first: this needs an access token');
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      throw invalidToken('Authorization must be "Bearer <access token>"');
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        typ: ACCESS_TOKEN_TYPE,
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: new Date(),
        requiredClaims: ['sub', 'sid', 'iat', 'exp'],
      }));
    } catch {
      throw invalidToken('the access token is invalid or expired');
    }
    const { sub, sid } = payload;
    if (typeof sub !== 'string' || !POSITIVE_INT.test(sub) || !isPositiveInt(sid)) {
      throw invalidToken('the access token is invalid or expired');
    }
    return { userId: Number(sub), sessionId: sid };
  }

  /** A token as the app's `AccessTokens.sign` makes it (the same claims, in the same order). */
  sign({ userId, sessionId }: AccessClaims, nowMs: number): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(String(userId))
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttl)
      .setJti(randomUUID())
      .sign(this.key);
  }
}

function isPositiveInt(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

/** A new opaque refresh token (256 random bits, base64url) and what the database keeps of it. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: createHash('sha256').update(token).digest('hex') };
}

/** argon2id cost: memory in KiB, passes, lanes. */
export interface Argon2Params {
  m: number;
  t: number;
  p: number;
}

/** `m=19456,t=2,p=1`, as a PHC string writes them. */
export function parseArgon2Params(text: string): Argon2Params {
  const match = /^m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})$/.exec(text);
  if (!match) {
    throw new Error(`argon2id parameters must look like m=19456,t=2,p=1, not ${text}`);
  }
  const [m, t, p] = match.slice(1).map(Number);
  return { m, t, p };
}

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ARGON2 =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;
const SCRYPT =
  /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function deriveArgon2(password: string, salt: Buffer, { m, t, p }: Argon2Params): Promise<Buffer> {
  const parameters = {
    message: password.normalize('NFKC'),
    nonce: salt,
    parallelism: p,
    tagLength: KEY_BYTES,
    memory: m,
    passes: t,
  };
  return new Promise((resolve, reject) =>
    argon2('argon2id', parameters, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function deriveScrypt(password: string, salt: Buffer, ln: number, r: number, p: number) {
  const N = 2 ** ln;
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 8 * 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/**
 * The app's PasswordHasher: argon2id from node:crypto in the PHC string format, and release
 * 0.1.0's scrypt hashes still verified (and replaced at the next sign-in).
 */
export class Passwords {
  constructor(private readonly params: Argon2Params) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await deriveArgon2(password, salt, this.params);
    const { m, t, p } = this.params;
    return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(key)}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const argon = ARGON2.exec(encoded);
    if (argon) {
      const [, m, t, p, salt, key] = argon;
      const params = { m: Number(m), t: Number(t), p: Number(p) };
      const actual = await deriveArgon2(password, Buffer.from(salt, 'base64'), params);
      return timingSafeEqual(actual, Buffer.from(key, 'base64'));
    }
    const legacy = SCRYPT.exec(encoded);
    if (legacy) {
      const [, ln, r, p, salt, key] = legacy;
      const actual = await deriveScrypt(
        password,
        Buffer.from(salt, 'base64url'),
        Number(ln),
        Number(r),
        Number(p),
      );
      return timingSafeEqual(actual, Buffer.from(key, 'base64url'));
    }
    return false;
  }

  needsRehash(encoded: string): boolean {
    const match = ARGON2.exec(encoded);
    if (!match) {
      return true;
    }
    const [m, t, p] = match.slice(1, 4).map(Number);
    return m < this.params.m || t < this.params.t || p < this.params.p;
  }
}

/** PHC strings use base64 without padding. */
function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
