import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { MAX_ID } from '../validation/parse-id.pipe';

/** The position after which the next page starts: the last row's sort key, then its id. */
export type CursorKey = [sortValue: string | number, id: number];

export const CURSOR_SECRET = Symbol('CURSOR_SECRET');

const MAC_LENGTH = 16;

/** The Date range (±8.64e15 ms) a position can hold; ids go up to MAX_ID. */
const MAX_TIME_MS = 8.64e15;
const MAX_SORT_STRING = 256;

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ID;
}

/**
 * Even a correctly signed cursor is checked: the signing key may be the public default, so a
 * cursor must never carry a value that the queries cannot take (NaN dates, huge numbers).
 */
function isSortValue(value: unknown, type: 'string' | 'number'): value is string | number {
  return type === 'string'
    ? typeof value === 'string' && value.length <= MAX_SORT_STRING
    : Number.isSafeInteger(value) && Math.abs(value as number) <= MAX_TIME_MS;
}

/**
 * Encodes keyset positions as opaque, signed cursors bound to one listing. A cursor from another
 * listing (say, `/posts` used on `/users/1/posts`, or sorted by id used with `sort=username`) or
 * one altered by hand is rejected with 400 instead of silently paging from a wrong place.
 *
 * Format: base64url(JSON [listing, sortValue, id]) "." base64url(HMAC-SHA256 truncated).
 */
@Injectable()
export class CursorCodec {
  constructor(@Inject(CURSOR_SECRET) private readonly secret: string) {}

  encode(listing: string, [sortValue, id]: CursorKey): string {
    const payload = Buffer.from(JSON.stringify([listing, sortValue, id])).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /**
   * The position a cursor stands for, checked to belong to `listing` and to carry a sort value
   * of the expected type.
   */
  decode(cursor: string, listing: string, sortType: 'number'): [number, number];
  decode(cursor: string, listing: string, sortType: 'string'): [string, number];
  decode(cursor: string, listing: string, sortType: 'string' | 'number'): CursorKey;
  decode(cursor: string, listing: string, sortType: 'string' | 'number'): CursorKey {
    const [payload, mac, ...rest] = cursor.split('.');
    if (!payload || !mac || rest.length > 0 || !this.verify(payload, mac)) {
      throw new BadRequestException('cursor is malformed or has been altered');
    }
    const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 3 || decoded[0] !== listing) {
      throw new BadRequestException('cursor belongs to a different listing or sort order');
    }
    const [, sortValue, id] = decoded as [unknown, unknown, unknown];
    if (!isSortValue(sortValue, sortType) || !isId(id)) {
      throw new BadRequestException('cursor is malformed or has been altered');
    }
    return [sortValue, id];
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(payload).digest().subarray(0, MAC_LENGTH);
  }

  private verify(payload: string, mac: string): boolean {
    const given = Buffer.from(mac, 'base64url');
    return given.length === MAC_LENGTH && timingSafeEqual(given, this.sign(payload));
  }
}
