import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http';

/**
 * The app's cursor format (src/common/pagination/cursor-codec.ts), without Nest:
 * base64url(JSON [listing, sortValue, id]) "." base64url(HMAC-SHA256 truncated to 16 bytes).
 * The orchestrator checks that both servers hand out identical cursors, so a change to the app's
 * format shows up as a verification failure rather than as a silently unfair comparison.
 */
const MAC_LENGTH = 16;
const MAX_ID = 2_147_483_647;
const MAX_TIME_MS = 8.64e15;

export type Position = [timestampMs: number, id: number];

export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(listing: string, [timestampMs, id]: Position): string {
    const payload = Buffer.from(JSON.stringify([listing, timestampMs, id])).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The position a cursor of `listing` stands for; 400 for anything else. */
  decode(cursor: string, listing: string): Position {
    const [payload, mac, ...rest] = cursor.split('.');
    if (!payload || !mac || rest.length > 0 || !this.verify(payload, mac)) {
      throw new HttpError(400, 'cursor is malformed or has been altered');
    }
    const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 3 || decoded[0] !== listing) {
      throw new HttpError(400, 'cursor belongs to a different listing or sort order');
    }
    const [, time, id] = decoded as [unknown, unknown, unknown];
    if (!isTime(time) || !isId(id)) {
      throw new HttpError(400, 'cursor is malformed or has been altered');
    }
    return [time, id];
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(payload).digest().subarray(0, MAC_LENGTH);
  }

  private verify(payload: string, mac: string): boolean {
    const given = Buffer.from(mac, 'base64url');
    return given.length === MAC_LENGTH && timingSafeEqual(given, this.sign(payload));
  }
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && Math.abs(value as number) <= MAX_TIME_MS;
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ID;
}
