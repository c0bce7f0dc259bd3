import { isEmail } from 'class-validator';
import type { DatabaseFile } from './database-file';
import type { HttpRequest } from './http-client';
import { MAX_ID } from '../../../src/common/validation/parse-id.pipe';

/*
 * The API's contract for bad input, from the README (its REST API section): its
 * limits, what makes each field valid, who may do what, and the model of what status a write
 * must get. The models are written from the contract, not from the code under test; they read
 * the database only to know which rows exist and whose they are, and the passwords the run gave
 * the app (`ContractState`) to know which sign-ins must succeed.
 */

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

/** The largest id a 32-bit integer column holds: ids above it are a 400, not a 404. */
export { MAX_ID };
/** Ids this large are never reached by the rows this run creates: a sure 404. */
export const ABSENT_IDS = { min: 1_000_000_000, max: MAX_ID };
export const BODY_LIMIT_BYTES = 16 * 1024;
/** Bodies are flat objects: anything nested deeper is refused outright. */
export const MAX_JSON_DEPTH = 16;
const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const EMAIL_MAX_CHARS = 120;
/** A sign-in's `login`: a username or an email, 1 to 120 characters. */
const LOGIN_MAX_CHARS = 120;
export const PASSWORD_CHARS = { min: 8, max: 256 };
/** A refresh token: 256 random bits in base64url. */
export const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const POST_MAX_CHARS = 140;
export const PAGE_SIZE = { min: 1, max: 100 };
export const USER_ORDERS = ['id', '-id', 'username', '-username'];
/** A path id in canonical form: what `ParseIdPipe` documents as the only accepted spelling. */
export const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;
/** What every 401 says in `WWW-Authenticate` (RFC 6750). */
export const BEARER_CHALLENGE = /^Bearer realm="microblog"/;

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
export const passwordOk = (v: unknown): v is string =>
  typeof v === 'string' &&
  chars(v) >= PASSWORD_CHARS.min &&
  chars(v) <= PASSWORD_CHARS.max &&
  storable(v);
/** What a password given to be checked (`currentPassword`, a sign-in's) may be: any length. */
const givenPasswordOk = (v: unknown, min: number): v is string =>
  typeof v === 'string' && chars(v) >= min && chars(v) <= PASSWORD_CHARS.max && storable(v);
const loginOk = (v: unknown): v is string =>
  typeof v === 'string' && chars(v) >= 1 && chars(v) <= LOGIN_MAX_CHARS && storable(v);
export const postBodyOk = (v: unknown): v is string =>
  typeof v === 'string' && v.trim().length > 0 && chars(v) <= POST_MAX_CHARS && storable(v);

/**
 * Keys that name a member of every object (`toString`, `hasOwnProperty`, `__proto__`, ...): the
 * ones a validator that looks properties up in a plain object could mistake for declared fields.
 */
export const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
export const isPrototypeKey = (key: string) => PROTOTYPE_KEYS.includes(key);

export type WriteRoute =
  | 'POST /users'
  | 'PATCH /users/:id'
  | 'POST /posts'
  | 'PATCH /posts/:id'
  | 'POST /auth/login'
  | 'POST /auth/refresh'
  | 'POST /auth/logout';

export const WRITE_FIELDS: Record<WriteRoute, string[]> = {
  'POST /users': ['username', 'email', 'password'],
  'PATCH /users/:id': ['username', 'email', 'password', 'currentPassword'],
  'POST /posts': ['body'],
  'PATCH /posts/:id': ['body'],
  'POST /auth/login': ['login', 'password'],
  'POST /auth/refresh': ['refreshToken'],
  'POST /auth/logout': ['refreshToken'],
};

/** The writes anyone may make; every other one needs a valid access token (401 without). */
export const PUBLIC_WRITES: WriteRoute[] = [
  'POST /users',
  'POST /auth/login',
  'POST /auth/refresh',
];

export interface WriteTarget {
  route: WriteRoute;
  /** The user or post a PATCH is for. */
  id?: number;
}

/**
 * Who a request is sent as: the user whose valid access token it carries, or `undefined` when it
 * carries none or one that is not valid (malformed, forged, expired, signed out...).
 */
export type Actor = { userId: number } | undefined;

/** What the models know: the rows, and every password the run gave the app, by user. */
export interface ContractState {
  file: DatabaseFile;
  passwords: ReadonlyMap<number, string>;
}

/**
 * The write `target` with `body`, sent as `application/json` unless `headers` say otherwise,
 * with `auth` (an `Authorization` header, or none).
 */
export function writeRequest(
  { route, id }: WriteTarget,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  auth: Record<string, string> = {},
): HttpRequest {
  const [method, path] = route.split(' ');
  return { method, path: path.replace(':id', String(id)), body, headers: { ...headers, ...auth } };
}

// ---------------------------------------------------------------------------------------------
// The model of a write: what status the contract gives its body, as whom
// ---------------------------------------------------------------------------------------------

/**
 * What is wrong with a JSON body before anything else is looked at (the token included): over
 * the size limit (413), not JSON, not an object, nested too deep, or a key that names a member
 * of every object (400). Undefined for a body that gets past these.
 */
export function bodyProblem(text: string): number | undefined {
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
  const pending: [unknown, number][] = [[parsed, 1]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (typeof value !== 'object' || value === null) {
      continue;
    }
    if (depth > MAX_JSON_DEPTH) {
      return 400;
    }
    for (const [key, child] of Object.entries(value)) {
      if (isPrototypeKey(key)) {
        return 400;
      }
      pending.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * The status a write without a body (`Content-Length: 0`) must get: the token is looked at
 * first (401), then the missing body (400).
 */
export function expectedWithoutBody(target: WriteTarget, actor: Actor): number {
  return !PUBLIC_WRITES.includes(target.route) && !actor ? 401 : 400;
}

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
 * The status a JSON write with body text `text` (sent as `application/json`) by `actor` must
 * get, given what the app holds (`state`). In the contract's order: the body as JSON (400, 413),
 * then the token (401), then the fields (400), then the rows: 404 for none, 403 for someone
 * else's, then the current password (400 missing, 403 wrong), then conflicts (409).
 */
export function expectedWrite(
  { file, passwords }: ContractState,
  target: WriteTarget,
  text: string,
  actor: Actor,
): number {
  if (text === '') {
    return expectedWithoutBody(target, actor);
  }
  const problem = bodyProblem(text);
  if (problem !== undefined) {
    return problem;
  }
  if (!PUBLIC_WRITES.includes(target.route) && !actor) {
    return 401;
  }
  const body = JSON.parse(text) as Record<string, unknown>;
  if (Object.keys(body).some((key) => !WRITE_FIELDS[target.route].includes(key))) {
    return 400; // unknown fields, whatever their name
  }
  const has = (key: string) => Object.hasOwn(body, key);
  const { username, email, password, currentPassword, login, refreshToken } = body;
  switch (target.route) {
    case 'POST /users':
      if (!usernameOk(username) || !emailOk(email) || !passwordOk(password)) {
        return 400;
      }
      return takenByOthers(file, username, email) ? 409 : 201;
    case 'PATCH /users/:id': {
      if (
        (has('username') && !usernameOk(username)) ||
        (has('email') && !emailOk(email)) ||
        (has('password') && !passwordOk(password)) ||
        (has('currentPassword') && !givenPasswordOk(currentPassword, 0))
      ) {
        return 400;
      }
      if (!file.user(target.id!)) {
        return 404;
      }
      if (target.id !== actor!.userId) {
        return 403;
      }
      // Needed for a new email or password, and checked whenever it is given.
      if (has('email') || has('password') || has('currentPassword')) {
        if (!has('currentPassword')) {
          return 400;
        }
        const stored = passwords.get(target.id);
        if (stored === undefined || currentPassword !== stored) {
          return 403;
        }
      }
      return takenByOthers(file, username, email, target.id) ? 409 : 200;
    }
    case 'POST /posts':
      return postBodyOk(body.body) ? 201 : 400;
    case 'PATCH /posts/:id': {
      if (!postBodyOk(body.body)) {
        return 400;
      }
      const post = file.post(target.id!);
      if (!post) {
        return 404;
      }
      return post.user_id === actor!.userId ? 200 : 403;
    }
    case 'POST /auth/login': {
      if (!loginOk(login) || !givenPasswordOk(password, 1)) {
        return 400;
      }
      // The same 401 for an unknown login and a wrong password.
      const [id] = login.includes('@')
        ? file.userIdsHolding({ email: login.toLowerCase() })
        : file.userIdsHolding({ username: login });
      const stored = id === undefined ? undefined : passwords.get(id);
      return stored !== undefined && password === stored ? 200 : 401;
    }
    case 'POST /auth/refresh':
    case 'POST /auth/logout': {
      // The runs never send a refresh token the app issued. One that merely looks right is a
      // 401 to refresh, and leaves a sign-out nothing to end: a 204 that writes nothing.
      const wellFormed = typeof refreshToken === 'string' && REFRESH_TOKEN.test(refreshToken);
      return wellFormed ? (target.route === 'POST /auth/refresh' ? 401 : 204) : 400;
    }
  }
}

/**
 * Whether an acknowledged write (2xx) must have committed something: true for a new row or a
 * delete, false for a sign-out that had no session to end, undefined when either may be (an
 * edit to the values a row already has).
 */
export function writesOnSuccess(target: WriteTarget, status: number): boolean | undefined {
  if (target.route === 'POST /auth/logout') {
    return false;
  }
  return status === 201 || status === 204 ? true : undefined;
}
