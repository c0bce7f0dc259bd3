import { isEmail } from 'class-validator';
import type { DatabaseFile } from './database-file';
import type { HttpRequest } from './http-client';
import { MAX_ID } from '../../../src/common/validation/parse-id.pipe';

/*
 * The API's contract for bad input, from the README: its limits, what makes each field valid,
 * and the model of what status a write must get. The models are written from the README, not
 * from the code under test; they read the database only to know which rows exist.
 */

// ---------------------------------------------------------------------------------------------
// The contract, from the README
// ---------------------------------------------------------------------------------------------

/** The largest id a 32-bit integer column holds: ids above it are a 400, not a 404. */
export { MAX_ID };
/** Ids this large are never reached by the rows this run creates: a sure 404 (or 422). */
export const ABSENT_IDS = { min: 1_000_000_000, max: MAX_ID };
export const BODY_LIMIT_BYTES = 16 * 1024;
const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const EMAIL_MAX_CHARS = 120;
export const PASSWORD_CHARS = { min: 8, max: 256 };
export const POST_MAX_CHARS = 140;
export const PAGE_SIZE = { min: 1, max: 100 };
export const USER_ORDERS = ['id', '-id', 'username', '-username'];
/** A path id in canonical form: what `ParseIdPipe` documents as the only accepted spelling. */
export const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;

/** Length in code points, the unit every text limit of the API counts in. */
export const chars = (text: string) => [...text].length;

/** Text every database stores unchanged: no NUL, no unpaired surrogate. */
const storable = (v: string) => !v.includes('\0') && v.isWellFormed();
const usernameOk = (v: unknown): v is string => typeof v === 'string' && USERNAME.test(v);
export const emailOk = (v: unknown): v is string =>
  typeof v === 'string' &&
  chars(v.toLowerCase()) <= EMAIL_MAX_CHARS &&
  storable(v) &&
  isEmail(v.toLowerCase());
export const passwordOk = (v: unknown) =>
  typeof v === 'string' &&
  chars(v) >= PASSWORD_CHARS.min &&
  chars(v) <= PASSWORD_CHARS.max &&
  storable(v);
export const postBodyOk = (v: unknown): v is string =>
  typeof v === 'string' && v.trim().length > 0 && chars(v) <= POST_MAX_CHARS && storable(v);
const authorIdOk = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_ID;

/**
 * Keys that name a member of every object (`toString`, `hasOwnProperty`, `__proto__`, ...): the
 * ones a validator that looks properties up in a plain object could mistake for declared fields.
 */
export const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
export const isPrototypeKey = (key: string) => PROTOTYPE_KEYS.includes(key);

export type WriteRoute = 'POST /users' | 'PATCH /users/:id' | 'POST /posts' | 'PATCH /posts/:id';

export const WRITE_FIELDS: Record<WriteRoute, string[]> = {
  'POST /users': ['username', 'email', 'password'],
  'PATCH /users/:id': ['username', 'email', 'password'],
  'POST /posts': ['body', 'authorId'],
  'PATCH /posts/:id': ['body'],
};

export interface WriteTarget {
  route: WriteRoute;
  /** The user or post a PATCH is for. */
  id?: number;
}

/** The write `target` with `body`, sent as `application/json` unless `headers` say otherwise. */
export function writeRequest(
  { route, id }: WriteTarget,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): HttpRequest {
  const [method, path] = route.split(' ');
  return { method, path: path.replace(':id', String(id)), body, headers };
}

// ---------------------------------------------------------------------------------------------
// The model of a write: what status the README's contract gives its body
// ---------------------------------------------------------------------------------------------

/**
 * Whether a user other than `self` holds this username, or this email once lower-cased, in the
 * app's database `file`.
 */
function takenByOthers(
  file: DatabaseFile,
  username: unknown,
  email: unknown,
  self?: number,
): boolean {
  return file
    .userIdsHolding({
      username: typeof username === 'string' ? username : undefined,
      email: typeof email === 'string' ? email.toLowerCase() : undefined,
    })
    .some((id) => id !== self);
}

/**
 * The status a JSON write with body text `text` (sent as `application/json`) must get, given the
 * rows in the app's database `file`.
 */
export function expectedWrite(file: DatabaseFile, target: WriteTarget, text: string): number {
  if (Buffer.byteLength(text) > BODY_LIMIT_BYTES) {
    return 413;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 400;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 400;
  }
  const body = parsed as Record<string, unknown>;
  if (Object.keys(body).some((key) => !WRITE_FIELDS[target.route].includes(key))) {
    return 400; // unknown fields, whatever their name
  }
  const has = (key: string) => Object.hasOwn(body, key);
  const { username, email, password } = body;
  switch (target.route) {
    case 'POST /users':
      if (!usernameOk(username) || !emailOk(email) || (has('password') && !passwordOk(password))) {
        return 400;
      }
      return takenByOthers(file, username, email) ? 409 : 201;
    case 'PATCH /users/:id':
      if (
        (has('username') && !usernameOk(username)) ||
        (has('email') && !emailOk(email)) ||
        (has('password') && !passwordOk(password))
      ) {
        return 400;
      }
      if (!file.user(target.id!)) {
        return 404;
      }
      return takenByOthers(file, username, email, target.id) ? 409 : 200;
    case 'POST /posts':
      if (!postBodyOk(body.body) || !authorIdOk(body.authorId)) {
        return 400;
      }
      return file.user(body.authorId) ? 201 : 422;
    case 'PATCH /posts/:id':
      if (!postBodyOk(body.body)) {
        return 400;
      }
      return file.post(target.id!) ? 200 : 404;
  }
}
