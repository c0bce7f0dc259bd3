/**
 * The raw baseline: plain `node:http` and better-sqlite3 prepared statements, serving the app's
 * benchmarked routes with byte-for-byte the same JSON (the orchestrator checks this before it
 * measures anything), with the app's accounts: `POST /posts` verifies the bearer token (jose,
 * HS256) and checks its session with one query before it writes, `POST /users` and
 * `POST /auth/login` hash with argon2id. Environment: DATABASE_FILE, PORT, CURSOR_SECRET,
 * JWT_SECRET, and ARGON2_PARAMS (`m=19456,t=2,p=1` by default: the app's DEFAULT_ARGON2_PARAMS;
 * the orchestrator passes the parameters of a hash the app wrote).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  AccessTokens,
  invalidToken,
  newRefreshToken,
  parseArgon2Params,
  Passwords,
} from './raw/auth';
import { CursorCodec } from './raw/cursor';
import { HttpError, readJsonObject, sendError, sendJson } from './raw/http';
import { type PostJson, type PostRow, Store, toPostJson } from './raw/store';
import {
  type PageQuery,
  parseId,
  parseLogin,
  parseNewPost,
  parseNewUser,
  parsePageQuery,
} from './raw/validation';

interface Page {
  items: PostJson[];
  nextCursor: string | null;
}

/** The app's defaults: ACCESS_TOKEN_TTL and REFRESH_TOKEN_TTL (src/config/environment.ts). */
const ACCESS_TOKEN_TTL_SEC = 900;
const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;
/** The one answer to every failed sign-in (src/auth/auth.service.ts). */
const BAD_LOGIN = 'login or password is incorrect';

const store = new Store(requireEnv('DATABASE_FILE'));
const cursors = new CursorCodec(requireEnv('CURSOR_SECRET'));
const tokens = new AccessTokens(requireEnv('JWT_SECRET'), ACCESS_TOKEN_TTL_SEC);
const passwords = new Passwords(parseArgon2Params(process.env.ARGON2_PARAMS ?? 'm=19456,t=2,p=1'));
/** Verified when there is no user or no password, so that every failed sign-in costs a hash. */
const dummyHash = passwords.hash(newRefreshToken().token);

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

/**
 * The bearer guard: the token's claims, then its session (one query joining the session and
 * its user), else a 401 with the guard's message and challenge.
 */
async function signedInUser(req: IncomingMessage): Promise<PostJson['author']> {
  const { userId, sessionId } = await tokens.verify(req.headers.authorization);
  const principal = store.findPrincipal(userId, sessionId, Date.now());
  if (!principal) {
    throw invalidToken('the session of this access token has ended');
  }
  return principal;
}

/** In the app's order: the body (middleware), the token (guard), the DTO (pipe), the insert. */
async function createPost(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const input = await readJsonObject(req);
  const author = await signedInUser(req);
  const post = store.createPost(parseNewPost(input), author);
  sendJson(res, 201, post, { Location: `/posts/${post.id}` });
}

async function createUser(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { username, email, password } = parseNewUser(await readJsonObject(req));
  const user = store.createUser(username, email, await passwords.hash(password));
  sendJson(res, 201, user, { Location: `/users/${user.id}` });
}

/**
 * Sign-in as src/auth/auth.service.ts `login` does it: one hash whatever fails, a rehash of an
 * outdated hash, a session and its first refresh token in one transaction, then the tokens.
 */
async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { login, password } = parseLogin(await readJsonObject(req));
  const user = login.includes('@')
    ? store.findLogin('email', login.toLowerCase())
    : store.findLogin('username', login);
  const stored = user?.passwordHash ?? undefined;
  const valid = await passwords.verify(password, stored ?? (await dummyHash));
  if (!user || !stored || !valid) {
    throw new HttpError(401, BAD_LOGIN);
  }
  const rehash = passwords.needsRehash(stored) ? await passwords.hash(password) : undefined;
  const now = Date.now();
  const refresh = newRefreshToken();
  const sessionId = store.startSession({
    userId: user.id,
    createdAt: now,
    expiresAt: now + REFRESH_TOKEN_TTL_MS,
    tokenHash: refresh.hash,
    rehash,
  });
  const accessToken = await tokens.sign({ userId: user.id, sessionId }, Date.now());
  sendJson(res, 200, {
    accessToken,
    refreshToken: refresh.token,
    tokenType: 'Bearer',
    expiresIn: tokens.ttl,
  });
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
  if (method === 'POST' && path === '/auth/login') {
    return login(req, res);
  }
  throw new HttpError(404, `Cannot ${method} ${path}`);
}

/**
 * Errors as the app's filter renders them: HTTP errors (with their headers), unique violations
 * (409), foreign key violations (422: a post by a user deleted meanwhile), else 500.
 */
function fail(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) {
    return sendError(res, err.status, err.message, err.headers);
  }
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string') {
    const field = /user\.(\w+)/.exec(message)?.[1];
    return sendError(
      res,
      409,
      field ? `${field} is already taken` : 'a unique value is already taken',
    );
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return sendError(res, 422, 'the request refers to a user that does not exist');
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
