import { HttpError } from './http';

/**
 * The app's input rules (ParseIdPipe, PageQueryDto, CreatePostDto, CreateUserDto, LoginDto),
 * written out by hand: the baseline does the same checks, with the same messages, without a framework.
 */
const MAX_ID = 2_147_483_647;
const ID = /^[1-9][0-9]{0,9}$/;
const USERNAME = /^[A-Za-z0-9_.-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LIMIT_MESSAGE = 'limit must be an integer from 1 to 100';

export interface PageQuery {
  limit: number;
  cursor?: string;
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
}

export interface Login {
  login: string;
  password: string;
}

export function parseId(value: string): number {
  const id = ID.test(value) ? Number(value) : NaN;
  if (!(id <= MAX_ID)) {
    throw new HttpError(400, 'id must be a positive integer');
  }
  return id;
}

export function parsePageQuery(query: URLSearchParams): PageQuery {
  const errors = unknownKeys([...new Set(query.keys())], ['limit', 'cursor']);
  const limits = query.getAll('limit');
  const limit = limits.length === 0 ? 20 : limits.length === 1 ? Number(limits[0]) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    errors.push(LIMIT_MESSAGE);
  }
  const cursors = query.getAll('cursor');
  if (cursors.length > 1) {
    errors.push('cursor must be a string');
  } else if (cursors.length === 1 && cursors[0].length > 512) {
    errors.push('cursor must be shorter than or equal to 512 characters');
  }
  fail(errors);
  return { limit, cursor: cursors[0] };
}

/** A new post's body (the author is the signed-in user). */
export function parseNewPost(input: Record<string, unknown>): string {
  const errors = unknownKeys(Object.keys(input), ['body']);
  const { body } = input;
  const bodyError = textError('body', body, 1, 140) ?? storableError('body', body as string);
  if (bodyError) {
    errors.push(bodyError);
  }
  fail(errors);
  return body as string;
}

export function parseNewUser(input: Record<string, unknown>): NewUser {
  const errors = unknownKeys(Object.keys(input), ['username', 'email', 'password']);
  const { username, password } = input;
  const email = typeof input.email === 'string' ? input.email.toLowerCase() : input.email;
  const usernameError = textError('username', username, 1, 64);
  if (usernameError) {
    errors.push(usernameError);
  } else if (!USERNAME.test(username as string)) {
    errors.push('username may contain only letters, digits, "_", "." and "-"');
  }
  if (typeof email !== 'string') {
    errors.push('email must be a string');
  } else if (charCount(email) > 120) {
    errors.push('email must be at most 120 characters');
  } else if (storableError('email', email)) {
    errors.push(storableError('email', email)!);
  } else if (!EMAIL.test(email)) {
    errors.push('email must be a valid email address');
  }
  const passwordError = charsError('password', password, 8, 256);
  if (passwordError) {
    errors.push(passwordError);
  }
  fail(errors);
  return { username: username as string, email: email as string, password: password as string };
}

/** A sign-in: a username or an email, and a password (any text; the hash decides). */
export function parseLogin(input: Record<string, unknown>): Login {
  const errors = unknownKeys(Object.keys(input), ['login', 'password']);
  const { login, password } = input;
  for (const error of [
    charsError('login', login, 1, 120),
    charsError('password', password, 1, 256),
  ]) {
    if (error) {
      errors.push(error);
    }
  }
  fail(errors);
  return { login: login as string, password: password as string };
}

/** A string of `min`-`max` code points, not only whitespace (when min > 0). */
function textError(name: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'string') {
    return `${name} must be a string`;
  }
  if (min === 1 && value.trim().length === 0) {
    return `${name} must not be empty or only whitespace`;
  }
  const length = charCount(value);
  if (length < min) {
    return `${name} must be at least ${min} characters`;
  }
  return length > max ? `${name} must be at most ${max} characters` : undefined;
}

/** The app's `IsString, MinChars(min), MaxChars(max), IsStorableText`, first failure only. */
function charsError(name: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'string') {
    return `${name} must be a string`;
  }
  const length = charCount(value);
  if (length < min) {
    return `${name} must be at least ${min} characters`;
  }
  if (length > max) {
    return `${name} must be at most ${max} characters`;
  }
  return storableError(name, value);
}

/** The app's `IsStorableText`: no NUL, no unpaired surrogate. */
function storableError(name: string, value: string): string | undefined {
  return value.includes('\0') || !value.isWellFormed()
    ? `${name} must not contain NUL characters or unpaired surrogates`
    : undefined;
}

function charCount(value: string): number {
  return [...value].length;
}

function unknownKeys(keys: string[], allowed: string[]): string[] {
  return keys.filter((key) => !allowed.includes(key)).map((k) => `property ${k} should not exist`);
}

function fail(errors: string[]): void {
  if (errors.length > 0) {
    throw new HttpError(400, errors.join('; '));
  }
}
