import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';
import type { App } from 'supertest/types';

/**
 * What a secret looks like in a response or a log line: a `password…` field, the hash column,
 * an argon2id or scrypt hash, a bearer token, a JWT, or a refresh token field.
 */
export const SECRET_PATTERN =
  /"password\w*"\s*:|password_hash|scrypt\$|\$argon2id\$|Bearer [\w.~+/-]+|eyJ[\w-]+\.eyJ|"refreshToken"\s*:/i;

/**
 * Fails when a response carries a password or its hash: a `password...` field, an scrypt hash,
 * or any of the given plain-text passwords, in the headers or the body.
 */
export function expectNoSecrets(res: Response, passwords: string[] = []): Response {
  const text = `${JSON.stringify(res.headers)}\n${res.text}`;
  expect(text).not.toMatch(SECRET_PATTERN);
  for (const password of passwords) {
    expect(text).not.toContain(password);
  }
  return res;
}

let uniqueNames = 0;

/**
 * A username no other call in this test process returns (`prefix` and a counter), so that a
 * test can create its own users whatever ran before it. Letters and digits only: valid as a
 * username and as an email's local part.
 */
export function uniqueName(prefix = 'user'): string {
  uniqueNames++;
  return `${prefix}${uniqueNames}`;
}

/** The password the helpers sign users up with. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** The tokens of a sign-in (`POST /auth/login` or `/auth/refresh`). */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** A user signed up and signed in over HTTP. */
export interface Account extends Tokens {
  id: number;
  username: string;
  email: string;
  password: string;
  /** `Authorization: Bearer <accessToken>`, for supertest's `.set()`. */
  auth: { Authorization: string };
}

/** The `Authorization` header for an access token. */
export function bearer(accessToken: string): { Authorization: string } {
  return { Authorization: `Bearer ${accessToken}` };
}

/** Signs in over HTTP with a username or email and a password; fails unless it is a 200. */
export async function signIn(
  app: INestApplication<App>,
  login: string,
  password = TEST_PASSWORD,
): Promise<Tokens> {
  const res = await request(app.getHttpServer())
    .post('/auth/login')
    .send({ login, password })
    .expect(200);
  return res.body as Tokens;
}

/**
 * Signs a new user up (`POST /users`, with a password) and in, over HTTP: the account, with its
 * tokens and `auth` header.
 */
export async function createUser(
  app: INestApplication<App>,
  username: string,
  extra: { email?: string; password?: string } = {},
): Promise<Account> {
  const email = extra.email ?? `${username}@example.com`;
  const password = extra.password ?? TEST_PASSWORD;
  const res = await request(app.getHttpServer())
    .post('/users')
    .send({ username, email, password })
    .expect(201);
  const tokens = await signIn(app, username, password);
  return {
    ...(res.body as { id: number; username: string }),
    email: email.toLowerCase(),
    password,
    ...tokens,
    auth: bearer(tokens.accessToken),
  };
}

/** Writes a post as `author` over HTTP and returns its JSON. */
export async function createPost(
  app: INestApplication<App>,
  author: Pick<Account, 'auth'>,
  body: string,
): Promise<{ id: number; body: string; timestamp: string; author: { id: number } }> {
  const res = await request(app.getHttpServer())
    .post('/posts')
    .set(author.auth)
    .send({ body })
    .expect(201);
  return res.body as { id: number; body: string; timestamp: string; author: { id: number } };
}

/** Follows `nextCursor` from `path` to the end, calling `between` before each further page. */
export async function collectPages<T>(
  app: INestApplication<App>,
  path: string,
  between: (page: number) => Promise<void> = async () => {},
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    if (pages > 0) {
      await between(pages);
    }
    const sep = path.includes('?') ? '&' : '?';
    const url: string = cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path;
    const res = await request(app.getHttpServer()).get(url).expect(200);
    items.push(...(res.body.items as T[]));
    cursor = res.body.nextCursor as string | null;
    pages++;
  } while (cursor);
  return { items, pages };
}
