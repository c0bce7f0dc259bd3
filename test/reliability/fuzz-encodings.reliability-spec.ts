import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describeFuzzing, failure } from './support/fuzz';
import { credentials, objectText, validPostBody, withField } from './support/fuzz-arbitraries';
import {
  BODY_LIMIT_BYTES,
  expectedWithoutBody,
  expectedWrite,
  writeRequest,
  writesOnSuccess,
  type WriteTarget,
} from './support/fuzz-contract';

/*
 * Bad input: write bodies as bytes on the wire (see support/fuzz.ts for the oracle every request
 * goes through): wrong content types and encodings, truncated, oversized, deeply nested and
 * compressed bodies, and bytes that are not valid UTF-8, signed in or not. What is wrong with
 * the body itself is answered before the token is looked at.
 */

describeFuzzing('content types, encodings and bytes of write bodies', (session) => {
  it('answers wrong content types, encodings, truncated, oversized and deep bodies with the right 4xx', async () => {
    const [owner, other] = await session.accountPair();
    const post = await session.createPost(owner);
    let made = 0;
    const bodies: { target: WriteTarget; text: () => string }[] = [
      {
        target: { route: 'POST /users' },
        text: () =>
          JSON.stringify({
            username: `wire-${++made}`,
            email: `wire-${made}@x.io`,
            password: `wire-password-${made}`,
          }),
      },
      { target: { route: 'PATCH /users/:id', id: owner.id }, text: () => '{}' },
      { target: { route: 'POST /posts' }, text: () => JSON.stringify({ body: 'over the wire' }) },
      {
        target: { route: 'PATCH /posts/:id', id: post },
        text: () => JSON.stringify({ body: 'over the wire' }),
      },
      {
        target: { route: 'POST /auth/login' },
        text: () =>
          objectText([
            ['login', owner.username],
            ['password', owner.password],
          ]),
      },
    ];
    // What the API does with each Content-Type: parse it as JSON, or refuse it with a 4xx.
    const contentTypes: [string | undefined, 'json' | 415 | '4xx'][] = [
      ['application/json', 'json'],
      ['application/json; charset=utf-8', 'json'],
      ['application/json;charset=UTF-8', 'json'],
      ['APPLICATION/JSON', 'json'],
      ['application/merge-patch+json', 'json'],
      ['application/vnd.api+json; charset=utf-8', 'json'],
      [undefined, 415],
      ['', 415],
      ['text/plain', 415],
      ['text/json', 415],
      ['application/x-www-form-urlencoded', 415],
      ['multipart/form-data; boundary=x', 415],
      ['application/xml', 415],
      ['application/jsonp', 415],
      ['application/x-json', 415],
      ['application/json, text/plain', 415],
      ['*/*', 415],
      ['application/json; charset=latin1', '4xx'],
      ['application/json; charset=utf-16', '4xx'],
      ['application/json; charset=bogus', '4xx'],
    ];
    type Mangle =
      | { kind: 'none' }
      | { kind: 'empty' }
      | { kind: 'truncate'; at: number }
      | { kind: 'oversize'; extra: number }
      | { kind: 'deep'; depth: number }
      | { kind: 'gzip' }
      | { kind: 'gzip-bomb' }
      | { kind: 'gzip-empty' }
      | { kind: 'encoding'; encoding: string };
    const mangle: fc.Arbitrary<Mangle> = fc.oneof(
      fc.constant({ kind: 'none' as const }),
      fc.constant({ kind: 'empty' as const }),
      fc.nat().map((at) => ({ kind: 'truncate' as const, at })),
      fc.nat({ max: 40_000 }).map((extra) => ({ kind: 'oversize' as const, extra })),
      fc.integer({ min: 17, max: 5000 }).map((depth) => ({ kind: 'deep' as const, depth })),
      fc.constant({ kind: 'gzip' as const }),
      fc.constant({ kind: 'gzip-bomb' as const }),
      fc.constant({ kind: 'gzip-empty' as const }),
      fc
        .constantFrom('gzip', 'deflate', 'br', 'compress', 'bogus', 'gzip, gzip')
        .map((encoding) => ({ kind: 'encoding' as const, encoding })),
    );
    await session.fuzz(
      'content types, encodings, truncated/oversized/deep bodies',
      { seed: 0x3172e, numRuns: 900 },
      fc.record({
        body: fc.constantFrom(...bodies),
        contentType: fc.constantFrom(...contentTypes),
        mangle,
        credentials: credentials(session.badAuthorizations),
      }),
      async ({ body, contentType: [type, handling], mangle: m, credentials: creds }) => {
        const valid = body.text();
        const { auth, actor } = session.sender(creds, owner, other);
        let payload: string | Buffer = valid;
        const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
        let expected: number | '4xx';
        switch (m.kind) {
          case 'none':
            expected =
              handling === 'json' ? expectedWrite(session, body.target, valid, actor) : handling;
            break;
          case 'empty':
            payload = '';
            expected = expectedWithoutBody(body.target, actor); // whatever its type
            break;
          case 'truncate':
            payload = valid.slice(0, 1 + (m.at % (valid.length - 1)));
            expected = handling === 'json' ? 400 : handling;
            break;
          case 'oversize':
            payload = withField(valid, 'pad', `"${'x'.repeat(BODY_LIMIT_BYTES + m.extra)}"`);
            expected = handling === 'json' ? 413 : handling;
            break;
          case 'deep':
            payload = withField(valid, 'x', `${'['.repeat(m.depth)}${']'.repeat(m.depth)}`);
            expected = handling === 'json' ? 400 : handling;
            break;
          case 'gzip':
            payload = gzipSync(valid);
            headers['content-encoding'] = 'gzip';
            expected =
              handling === 'json' ? expectedWrite(session, body.target, valid, actor) : handling;
            break;
          case 'gzip-bomb':
            // 2 MB of spaces in 2 KB: the limit applies to what it inflates to.
            payload = gzipSync(Buffer.concat([Buffer.from(valid), Buffer.alloc(2e6, ' ')]));
            headers['content-encoding'] = 'gzip';
            expected = handling === 'json' ? 413 : handling;
            break;
          case 'gzip-empty':
            // A body that inflates to nothing is no JSON object, as an empty one is not.
            payload = gzipSync('');
            headers['content-encoding'] = 'gzip';
            expected = handling === 'json' ? 400 : handling;
            break;
          case 'encoding':
            // The body is not encoded as the header says: unreadable (400) or unsupported (415).
            headers['content-encoding'] = m.encoding;
            expected = handling === 'json' ? '4xx' : handling;
            break;
        }
        const req = writeRequest(body.target, payload, headers, auth);
        if (expected === '4xx') {
          const { res } = await session.exchange(req);
          if (![400, 413, 415].includes(res.status)) {
            throw failure(req, res, `expected 400, 413 or 415, got ${res.status}`);
          }
          return;
        }
        const writes = writesOnSuccess(body.target, expected);
        const { res } = await session.expectStatus(req, expected, writes);
        if (res.status < 300) {
          session.learn(body.target, JSON.parse(valid) as Record<string, unknown>, res);
        }
      },
    );
  }, 90_000);

  it('refuses bodies that are not valid UTF-8 (including UTF-8-encoded surrogates) with 400', async () => {
    const [owner, other] = await session.accountPair();
    const post = await session.createPost(owner);
    const INVALID_UTF8 = [
      [0xff],
      [0xfe],
      [0x80], // a continuation byte alone
      [0xc0, 0xaf], // overlong "/"
      [0xe2, 0x82], // truncated sequence
      [0xed, 0xa0, 0x80], // U+D800, a lone surrogate
      [0xed, 0xbf, 0xbf], // U+DFFF
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ].map((bytes) => Buffer.from(bytes));
    const targets: { target: WriteTarget; entries: [string, unknown][]; field: string }[] = [
      { target: { route: 'POST /posts' }, entries: [], field: 'body' },
      { target: { route: 'PATCH /posts/:id', id: post }, entries: [], field: 'body' },
      {
        target: { route: 'POST /users' },
        entries: [
          ['username', 'utf8'],
          ['email', 'utf8@example.com'],
        ],
        field: 'password',
      },
      { target: { route: 'POST /auth/login' }, entries: [['login', 'utf8']], field: 'password' },
    ];
    await session.fuzz(
      'bodies that are not valid UTF-8',
      { seed: 0x7f8, numRuns: 300 },
      fc.record({
        target: fc.constantFrom(...targets),
        before: validPostBody,
        bad: fc.constantFrom(...INVALID_UTF8),
        credentials: credentials(session.badAuthorizations),
      }),
      async ({ target, before, bad, credentials: creds }) => {
        // A valid post body with the invalid bytes at its end, inside the JSON string.
        const marked = objectText([...target.entries, [target.field, `${before}\u0001`]]);
        const at = marked.lastIndexOf('\\u0001');
        const payload = Buffer.concat([
          Buffer.from(marked.slice(0, at)),
          bad,
          Buffer.from(marked.slice(at + '\\u0001'.length)),
        ]);
        const { auth } = session.sender(creds, owner, other);
        await session.expectStatus(writeRequest(target.target, payload, undefined, auth), 400);
      },
    );
  }, 60_000);
});
