import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token: what the client keeps (the server keeps only its hash). */
export function newRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Whether a string could be a refresh token at all (checked before any lookup). */
export function looksLikeRefreshToken(value: string): boolean {
  return TOKEN_FORMAT.test(value);
}

/** What the database stores of a refresh token: its SHA-256, in hex. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
