/**
 * Before anything is measured: the app and the raw baseline must answer the same requests with
 * the same status and byte-for-byte the same body, or the comparison means nothing.
 */
import type { RequestSpec } from './load';

interface Answer {
  status: number;
  body: string;
  location: string | null;
}

export class VerificationError extends Error {
  override name = 'VerificationError';
}

async function ask(base: string, { method, path, body }: RequestSpec, type?: string) {
  const headers = body === undefined ? undefined : { 'content-type': type ?? 'application/json' };
  const res = await fetch(base + path, { method, headers, body });
  const answer: Answer = {
    status: res.status,
    body: await res.text(),
    location: res.headers.get('location'),
  };
  if (!res.headers.get('content-type')?.startsWith('application/json')) {
    throw new VerificationError(
      `${method} ${base}${path}: not JSON (${answer.body.slice(0, 200)})`,
    );
  }
  return answer;
}

/** Sends one request to both servers and asserts the same answer; returns the app's. */
async function same(
  app: string,
  raw: string,
  spec: RequestSpec,
  options: { type?: string; mask?: (body: string) => string } = {},
): Promise<Answer> {
  const [a, b] = [await ask(app, spec, options.type), await ask(raw, spec, options.type)];
  const mask = options.mask ?? ((body: string) => body);
  if (a.status !== b.status || mask(a.body) !== mask(b.body) || a.location !== b.location) {
    throw new VerificationError(
      `${spec.method} ${spec.path} differs between the app and the raw baseline:\n` +
        `  app: ${a.status} ${a.location ?? ''} ${a.body.slice(0, 500)}\n` +
        `  raw: ${b.status} ${b.location ?? ''} ${b.body.slice(0, 500)}`,
    );
  }
  return a;
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

/**
 * The writes, on identical throwaway copies: same status, Location and body (the server's
 * timestamp aside), including the errors. Both databases change the same way.
 */
export async function verifyWrites(app: string, raw: string, authorId: number): Promise<number> {
  const post = (path: string, body: unknown): RequestSpec => ({
    method: 'POST',
    path,
    body: JSON.stringify(body),
  });
  const noTime = { mask: (body: string) => body.replace(TIMESTAMP, '"timestamp":"-"') };
  const checks: [RequestSpec, Parameters<typeof same>[3]?][] = [
    [post('/posts', { body: 'verification post 🎉', authorId }), noTime],
    [post('/posts', { body: 'nobody wrote this', authorId: 2_000_000_000 })],
    [post('/posts', { body: '   ', authorId })],
    [post('/posts', { body: 'x'.repeat(141), authorId })],
    [post('/posts', { body: 'hello', authorId, extra: 1 })],
    [post('/posts', { body: 'hello', authorId }), { type: 'text/plain' }],
    [post('/users', { username: 'bench_verify', email: 'Bench_Verify@Example.com' })],
    [post('/users', { username: 'bench_verify', email: 'other@example.com' })],
    [
      post('/users', {
        username: 'bench_verify2',
        email: 'x@example.com',
        password: 'long enough',
      }),
    ],
    [post('/users', { username: 'bad name', email: 'y@example.com' })],
  ];
  for (const [spec, options] of checks) {
    await same(app, raw, spec, options);
  }
  return checks.length;
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
