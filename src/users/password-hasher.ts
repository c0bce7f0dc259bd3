import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';

/** scrypt cost parameters; they are written into every hash so they can be raised later. */
export interface ScryptParams {
  /** log2 of N, the CPU/memory cost. */
  ln: number;
  r: number;
  p: number;
}

/** Injection token to change the cost parameters (tests use cheaper ones). */
export const SCRYPT_PARAMS = Symbol('SCRYPT_PARAMS');

/** N = 2^15, r = 8, p = 1: 32 MiB and roughly 50-100 ms per hash on a current core. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const FORMAT =
  /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** ln;
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 8 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/**
 * Salted, memory-hard password hashing with scrypt from `node:crypto`, run on libuv's thread
 * pool so it never blocks the event loop. Encoded as
 * `scrypt$ln=15,r=8,p=1$<salt>$<key>` (base64url, 92 characters: fits `password_hash`
 * varchar(128)).
 */
@Injectable()
export class PasswordHasher {
  constructor(
    @Optional()
    @Inject(SCRYPT_PARAMS)
    private readonly params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.params);
    const { ln, r, p } = this.params;
    return `scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** True when `password` matches `encoded`; compares in constant time. */
  async verify(password: string, encoded: string): Promise<boolean> {
    const match = FORMAT.exec(encoded);
    if (!match) {
      return false;
    }
    const [, ln, r, p, salt, key] = match;
    const expected = Buffer.from(key, 'base64url');
    const actual = await derive(password, Buffer.from(salt, 'base64url'), {
      ln: Number(ln),
      r: Number(r),
      p: Number(p),
    });
    return timingSafeEqual(actual, expected);
  }

  /** True when `encoded` was made with weaker parameters than the current ones. */
  needsRehash(encoded: string): boolean {
    const match = FORMAT.exec(encoded);
    if (!match) {
      return true;
    }
    const [ln, r, p] = match.slice(1, 4).map(Number);
    return ln < this.params.ln || r < this.params.r || p < this.params.p;
  }
}
