import fc from 'fast-check';
import { describeFuzzing, failure, READS } from './support/fuzz';
import { ABSENT_IDS } from './support/fuzz-contract';
import type { HttpRequest } from './support/http-client';

/*
 * Bad input: every method on every route, routes that do not exist, and /health (see
 * support/fuzz.ts for the oracle every request goes through). None of these requests can
 * succeed as a write, so none may write.
 */

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
      }),
      async ({ method, path, body: text }) => {
        const req: HttpRequest = {
          method,
          path,
          ...(text === undefined
            ? {}
            : { body: text, headers: { 'content-type': 'application/json' } }),
        };
        const { res, committed } = await session.exchange(req);
        if (committed) {
          throw failure(req, res, 'nothing in this property may write');
        }
        if (res.status < 400 && !READS.has(method)) {
          throw failure(req, res, `a ${method} that cannot succeed got ${res.status}`);
        }
      },
    );
  }, 60_000);
});
