import fc from 'fast-check';
import { describeFuzzing, failure, READS } from './support/fuzz';
import { badAuthorization } from './support/fuzz-arbitraries';
import { ABSENT_IDS, bodyProblem } from './support/fuzz-contract';
import type { HttpRequest } from './support/http-client';

/*
 * Bad input: every method on every route, routes that do not exist, and /health (see
 * support/fuzz.ts for the oracle every request goes through), without a token or with one that
 * is not valid. None of these requests can succeed as a write, so none may write; one for a
 * route that needs a token gets a 401, unless its body is refused first.
 */

/** The routes (of the paths below) that need a valid access token. */
const PROTECTED = new Set(
  [
    'POST /posts',
    'POST /auth/logout',
    'POST /auth/logout-all',
    'GET /users/me',
    'HEAD /users/me',
    ...['PATCH', 'DELETE'].flatMap((method) => [`${method} /users/:id`, `${method} /posts/:id`]),
  ].map((route) => route.replace(':id', String(ABSENT_IDS.min + 7))),
);

/**
 * What a request without a valid token must get on a route that needs one: a write's body, if
 * it has one, is read first (400 for one that is no JSON object), then the token (401).
 */
function expectedWithoutToken(method: string, text: string | undefined): number {
  const write = ['POST', 'PATCH', 'PUT'].includes(method);
  return (write && text !== undefined && bodyProblem(text)) || 401;
}

describeFuzzing('methods and routes', (session) => {
  it('answers every method on every route, and routes that do not exist, without a 5xx or a write', async () => {
    const absent = ABSENT_IDS.min + 7;
    const paths = [
      '/health',
      '/health/',
      '/health/x',
      '/users',
      '/users/',
      '/posts',
      `/users/${absent}`,
      `/posts/${absent}`,
      `/users/${absent}/posts`,
      `/users/${absent}/posts/1`,
      '/nope',
      '/',
      '/docs-json',
      '/USERS',
      '//users',
      '/users/%2e%2e/posts',
      '/%00',
      '/users/%ZZ',
      '/posts/1/../../users',
      '/users/me',
      '/users/me/posts',
      '/auth',
      '/auth/login',
      '/auth/refresh',
      '/auth/logout',
      '/auth/logout-all',
      '/auth/LOGIN',
    ];
    const randomPath = fc
      .array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), {
        minLength: 1,
        maxLength: 3,
      })
      .map((segments) => `/${segments.map(encodeURIComponent).join('/')}`);
    const body = fc.oneof(
      fc.constant(undefined),
      fc.constant('{}'),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    );
    await session.fuzz(
      'methods x routes, unknown routes, /health',
      { seed: 0x3e7, numRuns: 500 },
      fc.record({
        method: fc.constantFrom(
          'GET',
          'HEAD',
          'POST',
          'PUT',
          'PATCH',
          'DELETE',
          'OPTIONS',
          'TRACE',
        ),
        path: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...paths) },
          { weight: 1, arbitrary: randomPath },
        ),
        body,
        authorization: fc.option(badAuthorization(session.badAuthorizations), { freq: 2 }),
      }),
      async ({ method, path, body: text, authorization }) => {
        const auth: Record<string, string> = authorization === null ? {} : { authorization };
        const req: HttpRequest = {
          method,
          path,
          ...(text === undefined
            ? { headers: auth }
            : { body: text, headers: { 'content-type': 'application/json', ...auth } }),
        };
        const { res, committed } = await session.exchange(req);
        if (committed) {
          throw failure(req, res, 'nothing in this property may write');
        }
        if (res.status < 400 && !READS.has(method)) {
          throw failure(req, res, `a ${method} that cannot succeed got ${res.status}`);
        }
        const expected = PROTECTED.has(`${method} ${path}`)
          ? expectedWithoutToken(method, text)
          : undefined;
        if (expected !== undefined && res.status !== expected) {
          throw failure(req, res, `expected ${expected} without a valid token, got ${res.status}`);
        }
      },
    );
  }, 60_000);
});
