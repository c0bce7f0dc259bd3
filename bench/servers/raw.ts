/**
 * The raw baseline: plain `node:http` and better-sqlite3 prepared statements, serving the app's
 * benchmarked routes with byte-for-byte the same JSON (the orchestrator checks this before it
 * measures anything). Environment: DATABASE_FILE, PORT, CURSOR_SECRET.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CursorCodec } from './raw/cursor';
import { HttpError, readJsonObject, sendError, sendJson } from './raw/http';
import { type PostJson, type PostRow, Store, toPostJson } from './raw/store';
import {
  type PageQuery,
  parseId,
  parseNewPost,
  parseNewUser,
  parsePageQuery,
} from './raw/validation';

interface Page {
  items: PostJson[];
  nextCursor: string | null;
}

/** The app's scrypt parameters (src/users/password-hasher.ts): N = 2^15, r = 8, p = 1. */
const SCRYPT = { ln: 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 };

const store = new Store(requireEnv('DATABASE_FILE'));
const cursors = new CursorCodec(requireEnv('CURSOR_SECRET'));

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

/** A page of posts, newest first (only `authorId`'s when given), with the next page's cursor. */
function pageOfPosts(listing: string, { limit, cursor }: PageQuery, authorId?: number): Page {
  const after = cursor ? cursors.decode(cursor, listing) : undefined;
  const rows = store.pageOfPosts(limit + 1, after, authorId);
  if (rows.length <= limit) {
    return { items: rows.map(toPostJson), nextCursor: null };
  }
  const last: PostRow = rows[limit - 1];
  return {
    items: rows.slice(0, limit).map(toPostJson),
    nextCursor: cursors.encode(listing, [last.timestamp, last.id]),
  };
}

async function hashPassword(password: string): Promise<string> {
  const { ln, r, p, saltBytes, keyBytes } = SCRYPT;
  const N = 2 ** ln;
  const salt = randomBytes(saltBytes);
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyBytes,
      { N, r, p, maxmem: 128 * N * r * p + 8 * 1024 * 1024 },
      (err, derived) => (err ? reject(err) : resolve(derived)),
    ),
  );
  return `scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function createPost(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { body, authorId } = parseNewPost(await readJsonObject(req));
  const post = store.createPost(body, authorId);
  if (!post) {
    throw new HttpError(422, `authorId ${authorId} does not refer to an existing user`);
  }
  sendJson(res, 201, post, { Location: `/posts/${post.id}` });
}

async function createUser(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { username, email, password } = parseNewUser(await readJsonObject(req));
  const hash = password === undefined ? null : await hashPassword(password);
  const user = store.createUser(username, email, hash);
  sendJson(res, 201, user, { Location: `/users/${user.id}` });
}

/** Routes a request; writes return a promise, reads answer synchronously. */
function route(req: IncomingMessage, res: ServerResponse): Promise<void> | void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const [, resource, id, sub, ...rest] = path.split('/');
  const method = req.method ?? 'GET';
  if (method === 'GET' && rest.length === 0) {
    if (resource === 'users' && id && sub === undefined) {
      const userId = parseId(id);
      const user = store.findUser(userId);
      if (!user) {
        throw new HttpError(404, `user ${userId} not found`);
      }
      return sendJson(res, 200, user);
    }
    if (resource === 'users' && id && sub === 'posts') {
      const userId = parseId(id);
      const pageQuery = parsePageQuery(query);
      if (!store.userIsKnown(userId)) {
        throw new HttpError(404, `user ${userId} not found`);
      }
      return sendJson(res, 200, pageOfPosts(`users/${userId}/posts`, pageQuery, userId));
    }
    if (resource === 'posts' && id === undefined) {
      return sendJson(res, 200, pageOfPosts('posts', parsePageQuery(query)));
    }
    if (resource === 'health' && id === undefined) {
      return sendJson(res, 200, { status: 'ok', database: 'up' });
    }
  }
  if (method === 'POST' && path === '/posts') {
    return createPost(req, res);
  }
  if (method === 'POST' && path === '/users') {
    return createUser(req, res);
  }
  throw new HttpError(404, `Cannot ${method} ${path}`);
}

/** Errors as the app's filter renders them: HTTP errors, unique violations (409), else 500. */
function fail(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) {
    return sendError(res, err.status, err.message);
  }
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string') {
    const field = /user\.(\w+)/.exec(message)?.[1];
    return sendError(res, 409, field ? `${field} is already taken` : 'a unique value is taken');
  }
  console.error(err);
  sendError(res, 500, 'internal server error');
}

const server = createServer((req, res) => {
  try {
    route(req, res)?.catch((err: unknown) => fail(res, err));
  } catch (err) {
    fail(res, err);
  }
});

server.listen(Number(requireEnv('PORT')));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    store.close();
  });
}
