import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';
import type { App } from 'supertest/types';

/** What a password or its hash looks like in a response: a `password…` field, the column, a hash. */
export const SECRET_PATTERN = /"password\w*"\s*:|password_hash|scrypt\$/i;

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

/** Creates a user over HTTP and returns its JSON. */
export async function createUser(
  app: INestApplication<App>,
  username: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: number; username: string; email: string }> {
  const res = await request(app.getHttpServer())
    .post('/users')
    .send({ username, email: `${username}@example.com`, ...extra })
    .expect(201);
  return res.body as { id: number; username: string; email: string };
}

/** Creates a post over HTTP and returns its JSON. */
export async function createPost(
  app: INestApplication<App>,
  authorId: number,
  body: string,
): Promise<{ id: number; body: string; timestamp: string; author: { id: number } }> {
  const res = await request(app.getHttpServer())
    .post('/posts')
    .send({ body, authorId })
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
