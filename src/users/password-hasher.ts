import {
  argon2,
  pbkdf2,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type Argon2Parameters,
  type ScryptOptions,
} from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';

/** argon2id cost parameters; they are written into every hash so they can be raised later. */
export interface Argon2Params {
  /** Memory in KiB. */
  m: number;
  /** Passes over the memory. */
  t: number;
  /** Lanes. */
  p: number;
}

/** Injection token to change the cost parameters (tests use cheaper ones). */
export const ARGON2_PARAMS = Symbol('ARGON2_PARAMS');

/**
 * OWASP's password storage minimum for argon2id: 19 MiB, 2 passes, 1 lane (about 40 ms on a
 * current core, on libuv's thread pool).
 */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = { m: 19_456, t: 2, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ARGON2 =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;
/** What release 0.1.0 stored: scrypt, still accepted and replaced at the next sign-in. */
const SCRYPT =
  /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

/**
 * Werkzeug's hashes, which Flask apps store (the tutorial's later chapters, through
 * `generate_password_hash`): `pbkdf2:<digest>:<iterations>$<salt>$<hex>` (Werkzeug 2) and
 * `scrypt:<N>:<r>:<p>$<salt>$<hex>` (Werkzeug 3). Accepted, and replaced at the next sign-in.
 * The bounds keep a crafted row from costing more than Werkzeug's own defaults, many times over.
 */
const WERKZEUG_PBKDF2 = /^pbkdf2:(sha1|sha256|sha512):(\d{1,7})\$([^$]{1,64})\$([0-9a-f]{40,128})$/;
const WERKZEUG_SCRYPT = /^scrypt:(\d{1,7}):(\d{1,2}):(\d{1,2})\$([^$]{1,64})\$([0-9a-f]{128})$/;
const WERKZEUG_MAX_ITERATIONS = 5_000_000;
const WERKZEUG_MAX_SCRYPT_COST = 2 ** 20;

/** Werkzeug's key for a hash it made, or undefined for parameters out of bounds. */
function deriveWerkzeug(password: string, encoded: string): Promise<Buffer> | undefined {
  // Werkzeug hashes the UTF-8 bytes as typed: no normalization.
  const pbkdf = WERKZEUG_PBKDF2.exec(encoded);
  if (pbkdf) {
    const [, digest, iterations, salt, key] = pbkdf;
    if (Number(iterations) < 1 || Number(iterations) > WERKZEUG_MAX_ITERATIONS) {
      return undefined;
    }
    return new Promise((resolve, reject) =>
      pbkdf2(password, salt, Number(iterations), key.length / 2, digest, (err, derived) =>
        err ? reject(err) : resolve(derived),
      ),
    );
  }
  const scryptMatch = WERKZEUG_SCRYPT.exec(encoded);
  if (scryptMatch) {
    const [N, r, p] = scryptMatch.slice(1, 4).map(Number);
    const salt = scryptMatch[4];
    if (N < 2 || N > WERKZEUG_MAX_SCRYPT_COST || (N & (N - 1)) !== 0 || r < 1 || p < 1) {
      return undefined;
    }
    const options: ScryptOptions = { N, r, p, maxmem: 132 * N * r * p + 8 * 1024 * 1024 };
    return new Promise((resolve, reject) =>
      scrypt(password, salt, 64, options, (err, derived) => (err ? reject(err) : resolve(derived))),
    );
  }
  return undefined;
}

/** PHC strings use base64 without padding. */
function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function deriveArgon2(password: string, salt: Buffer, { m, t, p }: Argon2Params): Promise<Buffer> {
  const parameters: Argon2Parameters = {
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
 * Salted, memory-hard password hashing: argon2id from `node:crypto` (Node 24), run on libuv's
 * thread pool so it never blocks the event loop. Encoded in the PHC string format,
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>` (97 characters: fits `password_hash`
 * varchar(128)). Hashes from release 0.1.0 (`scrypt$ln=15,r=8,p=1$...`) and Werkzeug's (a
 * database adopted from the Flask tutorial) still verify; `needsRehash` tells the sign-in to
 * replace them.
 */
@Injectable()
export class PasswordHasher {
  constructor(
    @Optional()
    @Inject(ARGON2_PARAMS)
    private readonly params: Argon2Params = DEFAULT_ARGON2_PARAMS,
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await deriveArgon2(password, salt, this.params);
    const { m, t, p } = this.params;
    return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(key)}`;
  }

  /**
   * True when `password` matches `encoded` (argon2id, 0.1.0's scrypt, or Werkzeug's pbkdf2 or
   * scrypt from a Flask app's database); constant time.
   */
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
    const werkzeug = deriveWerkzeug(password, encoded);
    if (werkzeug) {
      const expected = Buffer.from(encoded.slice(encoded.lastIndexOf('$') + 1), 'hex');
      const actual = await werkzeug;
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    }
    return false;
  }

  /** True when `encoded` is not argon2id with at least the current parameters. */
  needsRehash(encoded: string): boolean {
    const match = ARGON2.exec(encoded);
    if (!match) {
      return true;
    }
    const [m, t, p] = match.slice(1, 4).map(Number);
    return m < this.params.m || t < this.params.t || p < this.params.p;
  }
}
