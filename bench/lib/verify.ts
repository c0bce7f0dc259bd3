/**
 * Before anything is measured: the app and the raw baseline must answer the same requests with
 * the same status and byte-for-byte the same body, or the comparison means nothing.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import type { Accounts } from './accounts';
import { JWT_SECRET } from './config';
import type { RequestSpec } from './load';

interface Answer {
  status: number;
  body: string;
  location: string | null;
  /** The challenge of a 401. */
  wwwAuthenticate: string | null;
}

export class VerificationError extends Error {
  override name = 'VerificationError';
}

async function ask(base: string, { method, path, body, headers }: RequestSpec, type?: string) {
  const content = body === undefined ? {} : { 'content-type': type ?? 'application/json' };
  const res = await fetch(base + path, { method, headers: { ...content, ...headers }, body });
  const answer: Answer = {
    status: res.status,
    body: await res.text(),
    location: res.headers.get('location'),
    wwwAuthenticate: res.headers.get('www-authenticate'),
  };
  if (!res.headers.get('content-type')?.startsWith('application/json')) {
    throw new VerificationError(
      `${method} ${base}${path}: not JSON (${answer.body.slice(0, 200)})`,
    );
  }
  return answer;
}

interface SameOptions {
  /** Content-Type of the body, instead of application/json. */
  type?: string;
  /** What of the body to compare (the server's timestamp, the tokens aside). */
  mask?: (body: string) => string;
  /** The status the app must answer: the check is not only "the same", but the right thing. */
  status?: number;
  /** What the check is about, for the failure message. */
  what?: string;
  /** The request for the raw baseline, when it differs (its own access token). */
  rawSpec?: RequestSpec;
}

/** Sends one request to both servers and asserts the same answer; returns both answers. */
async function both(app: string, raw: string, spec: RequestSpec, options: SameOptions = {}) {
  const a = await ask(app, spec, options.type);
  const b = await ask(raw, options.rawSpec ?? spec, options.type);
  const mask = options.mask ?? ((body: string) => body);
  const describe = (x: Answer) =>
    `${x.status} ${x.location ?? ''} ${x.wwwAuthenticate ? `[WWW-Authenticate: ${x.wwwAuthenticate}] ` : ''}` +
    x.body.slice(0, 500);
  const title = `${spec.method} ${spec.path}${options.what ? ` (${options.what})` : ''}`;
  if (
    a.status !== b.status ||
    mask(a.body) !== mask(b.body) ||
    a.location !== b.location ||
    a.wwwAuthenticate !== b.wwwAuthenticate
  ) {
    throw new VerificationError(
      `${title} differs between the app and the raw baseline:\n` +
        `  app: ${describe(a)}\n  raw: ${describe(b)}`,
    );
  }
  if (options.status !== undefined && a.status !== options.status) {
    throw new VerificationError(
      `${title}: expected ${options.status} from both, got ${describe(a)}`,
    );
  }
  return [a, b] as const;
}

/** Sends one request to both servers and asserts the same answer; returns the app's. */
async function same(
  app: string,
  raw: string,
  spec: RequestSpec,
  options: SameOptions = {},
): Promise<Answer> {
  return (await both(app, raw, spec, options))[0];
}

/** Asserts identical answers for every GET path; returns how many were compared. */
export async function verifyGets(app: string, raw: string, paths: string[]): Promise<number> {
  for (const path of paths) {
    await same(app, raw, { method: 'GET', path });
  }
  return paths.length;
}

/**
 * Follows `nextCursor` from `firstPath` on both servers in lockstep, asserting every page is
 * identical; returns the path of page `pages` (or of the last page, if there are fewer).
 */
export async function followCursors(
  app: string,
  raw: string,
  firstPath: string,
  pages: number,
): Promise<{ path: string; page: number }> {
  let path = firstPath;
  for (let page = 1; ; page++) {
    const { body } = await same(app, raw, { method: 'GET', path });
    const { nextCursor } = JSON.parse(body) as { nextCursor: string | null };
    if (page === pages || nextCursor === null) {
      return { path, page };
    }
    path = `${firstPath}&cursor=${encodeURIComponent(nextCursor)}`;
  }
}

const TIMESTAMP = /"timestamp":"[^"]*"/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const KEY = new TextEncoder().encode(JWT_SECRET);
/** What the app's access tokens are checked for (src/auth/access-tokens.ts `verify`). */
const ACCESS_TOKEN = {
  algorithms: ['HS256'],
  typ: 'at+jwt',
  issuer: 'microblog-nest',
  audience: 'microblog-nest:api',
  requiredClaims: ['sub', 'sid', 'iat', 'exp'],
};

function noTime(body: string): string {
  return body.replace(TIMESTAMP, '"timestamp":"-"');
}

/**
 * A sign-in's answer with its secrets made comparable: the access token as its header and
 * claims (in their order), `jti` checked for a UUID and `iat`/`exp` as the lifetime; the
 * refresh token checked for its format. Anything else is compared as it is.
 */
function tokensShown(body: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return body;
  }
  const { accessToken, refreshToken } = parsed;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string') {
    return body;
  }
  const { jti, iat, exp, ...claims } = decodeJwt(accessToken);
  const shown = {
    header: decodeProtectedHeader(accessToken),
    claims,
    jti: typeof jti === 'string' && UUID.test(jti) ? 'uuid' : jti,
    lifetime: (exp ?? NaN) - (iat ?? NaN),
  };
  return JSON.stringify({
    ...parsed,
    accessToken: shown,
    refreshToken: REFRESH_TOKEN.test(refreshToken) ? 'a refresh token' : refreshToken,
  });
}

/**
 * Access tokens that must be refused with a 401 (`error="invalid_token"`): signed with the
 * bench's JWT_SECRET but wrong in one way each, or not signed with it at all. `sub` and `sid`
 * are the signed-in `user`'s, so only the flaw named makes them invalid; the last two pass
 * every check of the token itself and fail the session lookup.
 */
async function badTokens(
  user: { id: number; sessionId: number },
  other: { id: number },
): Promise<[string, string][]> {
  const now = Math.floor(Date.now() / 1000);
  const sign = (
    change: {
      claims?: Record<string, unknown>;
      header?: Record<string, unknown>;
      key?: Uint8Array;
      drop?: string[];
    } = {},
  ) => {
    const claims: Record<string, unknown> = {
      sid: user.sessionId,
      iss: ACCESS_TOKEN.issuer,
      aud: ACCESS_TOKEN.audience,
      sub: String(user.id),
      iat: now,
      exp: now + 900,
      jti: randomUUID(),
      ...change.claims,
    };
    for (const name of change.drop ?? []) {
      delete claims[name];
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN.typ, ...change.header })
      .sign(change.key ?? KEY);
  };
  const valid = await sign();
  const [head, , signature] = valid.split('.');
  const otherPayload = Buffer.from(
    JSON.stringify({ ...decodeJwt(valid), sub: String(other.id) }),
  ).toString('base64url');
  return [
    ['expired', await sign({ claims: { iat: now - 960, exp: now - 60 } })],
    ['not valid yet (nbf)', await sign({ claims: { nbf: now + 600 } })],
    ['typ JWT', await sign({ header: { typ: 'JWT' } })],
    ['no typ', await sign({ header: { typ: undefined } })],
    ['another issuer', await sign({ claims: { iss: 'someone-else' } })],
    ['another audience', await sign({ claims: { aud: 'microblog-nest:admin' } })],
    ['HS512', await sign({ header: { alg: 'HS512' } })],
    ['another key', await sign({ key: new TextEncoder().encode(`${JWT_SECRET}-not-ours`) })],
    ['alg none', new UnsecuredJWT(decodeJwt(valid)).encode()],
    ['no exp', await sign({ drop: ['exp'] })],
    ['no sid', await sign({ drop: ['sid'] })],
    ['sid as a string', await sign({ claims: { sid: String(user.sessionId) } })],
    ['sub not a number', await sign({ claims: { sub: 'abc' } })],
    ['sub 01', await sign({ claims: { sub: `0${user.id}` } })],
    ['sub as a number', await sign({ claims: { sub: user.id } })],
    ['payload altered', `${head}.${otherPayload}.${signature}`],
    ['sub of another user', await sign({ claims: { sub: String(other.id) } })],
    ['a session that does not exist', await sign({ claims: { sid: 2_000_000_000 } })],
  ];
}

/**
 * The writes, on identical throwaway copies: same status, Location, WWW-Authenticate and body
 * (the server's timestamp and the tokens' random parts aside), including the errors. Both
 * databases change the same way. Access tokens: the app's, from `accounts`; refused ones of
 * every kind; and each server's own from its sign-in, used on it.
 */
export async function verifyWrites(app: string, raw: string, accounts: Accounts): Promise<number> {
  const [user, other] = accounts.users;
  const post = (path: string, body: unknown, token?: string): RequestSpec => ({
    method: 'POST',
    path,
    body: JSON.stringify(body),
    ...(token !== undefined && { headers: { authorization: token } }),
  });
  type Check = [RequestSpec, SameOptions?];
  const bearer = (token: string) => `Bearer ${token}`;
  const signedIn = bearer(user.accessToken);
  const login = (what: string, body: unknown, status: number): Check => [
    post('/auth/login', body),
    { mask: tokensShown, status, what },
  ];
  const checks: Check[] = [
    [post('/posts', { body: 'verification post 🎉' }, signedIn), { mask: noTime, status: 201 }],
    [post('/posts', { body: 'nobody signed in' }), { status: 401, what: 'no Authorization' }],
    [post('/posts', { body: 'x' }, 'Basic dXNlcjpwYXNz'), { status: 401, what: 'Basic' }],
    [post('/posts', { body: 'x' }, 'Bearer'), { status: 401, what: 'Bearer without a token' }],
    [
      post('/posts', { body: 'lower-case scheme' }, `bearer ${user.accessToken}`),
      { mask: noTime, status: 201, what: 'bearer' },
    ],
    [post('/posts', { body: 'x' }, `Bearer ${user.accessToken}!`), { status: 401, what: '"!"' }],
    ...(await badTokens(user, other)).map(([what, token]): Check => [
      post('/posts', { body: 'x' }, bearer(token)),
      { status: 401, what },
    ]),
    [
      post('/posts', { body: 'x' }, bearer(accounts.revokedToken)),
      { status: 401, what: 'signed out' },
    ],
    [
      post('/posts', { body: 'x' }, bearer(accounts.expiredSessionToken)),
      { status: 401, what: 'session expired' },
    ],
    [post('/posts', { body: '   ' }, signedIn), { status: 400 }],
    [post('/posts', { body: 'x'.repeat(141) }, signedIn), { status: 400 }],
    [post('/posts', { body: 'hello', authorId: user.id }, signedIn), { status: 400 }],
    [post('/posts', { body: 'hello' }, signedIn), { type: 'text/plain', status: 415 }],
    [post('/posts', { body: 'hello' }), { type: 'text/plain', status: 415, what: 'no token' }],
    [post('/posts', { body: '   ' }), { status: 401, what: 'invalid body, no token' }],
    [
      post('/users', {
        username: 'bench_verify',
        email: 'Bench_Verify@Example.com',
        password: 'long enough',
      }),
      { status: 201 },
    ],
    [
      post('/users', {
        username: 'bench_verify',
        email: 'other@example.com',
        password: 'p4ssw0rd!',
      }),
      { status: 409 },
    ],
    [post('/users', { username: 'bench_verify2', email: 'x@example.com' }), { status: 400 }],
    [
      post('/users', { username: 'bench_verify3', email: 'y@example.com', password: 'short' }),
      { status: 400 },
    ],
    [post('/users', { username: 'bad name', email: 'y@example.com', password: 'p4ssw0rd!' })],
    login('by username', { login: user.username, password: accounts.password }, 200),
    login('a new user', { login: 'bench_verify', password: 'long enough' }, 200),
    login('by email', { login: 'BENCH_VERIFY@example.com', password: 'long enough' }, 200),
    login('wrong password', { login: user.username, password: `${accounts.password}!` }, 401),
    login('unknown user', { login: 'nobody_at_all', password: accounts.password }, 401),
    login('no password', { login: accounts.withoutPassword, password: accounts.password }, 401),
    login('empty', { login: '', password: '' }, 400),
    login('unknown field', { login: user.username, password: 'x', remember: true }, 400),
    [post('/auth/login', { login: user.username, password: 'x' }), { type: 'text/plain' }],
  ];
  for (const [spec, options] of checks) {
    await same(app, raw, spec, options);
  }
  // Each server's own sign-in: its token must verify as the app's do, and write on that server.
  const [a, b] = await both(
    app,
    raw,
    post('/auth/login', { login: other.username, password: accounts.password }),
    { mask: tokensShown, status: 200, what: 'for a token of its own' },
  );
  const own = async (answer: Answer) => {
    const { accessToken } = JSON.parse(answer.body) as { accessToken: string };
    await jwtVerify(accessToken, KEY, ACCESS_TOKEN);
    return accessToken;
  };
  const [appToken, rawToken] = [await own(a), await own(b)];
  await same(app, raw, post('/posts', { body: 'with its own token' }, bearer(appToken)), {
    rawSpec: post('/posts', { body: 'with its own token' }, bearer(rawToken)),
    mask: noTime,
    status: 201,
    what: "each server's own sign-in",
  });
  return checks.length + 2;
}

/**
 * The read checks for one data set: users (found, missing, malformed ids), a user's posts and
 * all posts (pages followed by cursor, bad limits and cursors, a cursor used on the wrong
 * listing), and `/posts` followed in lockstep down to page `deepPage`, whose path is returned.
 */
export async function verifyReads(
  app: string,
  raw: string,
  ids: number[],
  deepPage: number,
): Promise<{ compared: number; deep: { path: string; page: number } }> {
  const missing = ids[ids.length - 1] + 1;
  const sample = [
    ids[0],
    ids[ids.length - 1],
    ...[7, 31, 101, 503].map((n) => ids[n % ids.length]),
  ];
  let compared = await verifyGets(app, raw, [
    ...sample.map((id) => `/users/${id}`),
    `/users/${missing}`,
    '/users/abc',
    '/users/0',
    ...sample.map((id) => `/users/${id}/posts?limit=20`),
    `/users/${ids[0]}/posts?limit=100`,
    `/users/${ids[0]}/posts`,
    `/users/${missing}/posts?limit=20`,
    `/users/${ids[0]}/posts?limit=0`,
    '/posts?limit=1',
    '/posts?limit=100',
    '/posts',
    '/posts?limit=abc',
    '/posts?limit=20&cursor=not-a-cursor',
    '/posts?limit=20&unknown=1',
  ]);
  const ofUser = await followCursors(app, raw, `/users/${ids[0]}/posts?limit=20`, 10);
  compared += ofUser.page;
  const userCursor = new URL(ofUser.path, 'http://x').searchParams.get('cursor');
  if (userCursor) {
    compared += await verifyGets(app, raw, [`/posts?limit=20&cursor=${userCursor}`]);
  }
  const deep = await followCursors(app, raw, '/posts?limit=20', deepPage);
  return { compared: compared + deep.page, deep };
}
