import fc from 'fast-check';
import { describeFuzzing, type FuzzAccount } from './support/fuzz';
import {
  credentials,
  fieldEntries,
  objectText,
  OwnerValue,
  unknownKey,
} from './support/fuzz-arbitraries';
import { PROTOTYPE_KEYS, type WriteRoute, type WriteTarget } from './support/fuzz-contract';

/*
 * Bad input: JSON write bodies, on every write route (see support/fuzz.ts for the oracle every
 * request goes through): any JSON document, the right keys with wrong, edge or valid values,
 * unknown keys, and keys that name members of every object, sent as the owner of what they
 * change, as someone else, without a token or with a bad one. Each must get the status the
 * contract's model gives it (`expectedWrite`).
 */

/** Every write route: its PATCHes for `owner` and their post `post`. */
function writeTargets(owner: FuzzAccount, post: number): WriteTarget[] {
  return [
    { route: 'POST /users' },
    { route: 'PATCH /users/:id', id: owner.id },
    { route: 'POST /posts' },
    { route: 'PATCH /posts/:id', id: post },
    { route: 'POST /auth/login' },
    { route: 'POST /auth/refresh' },
    { route: 'POST /auth/logout' },
  ];
}

describeFuzzing('JSON write bodies', (session) => {
  it('refuses keys that name members of every object (__proto__, constructor, toString, ...) in bodies and query strings', async () => {
    const [owner, other] = await session.accountPair();
    const post = await session.createPost(owner);
    let made = 0;
    // Valid bodies but for the one key, so that only that key can make them a 400.
    const valid: Record<WriteRoute, () => [string, unknown][]> = {
      'POST /users': () => [
        ['username', `proto-keys-${++made}`],
        ['email', `proto-keys-${made}@example.com`],
        ['password', `proto-keys-password-${made}`],
      ],
      'PATCH /users/:id': () => [],
      'POST /posts': () => [['body', 'proto keys']],
      'PATCH /posts/:id': () => [['body', 'proto keys']],
      'POST /auth/login': () => [
        ['login', new OwnerValue('username')],
        ['password', new OwnerValue('password')],
      ],
      'POST /auth/refresh': () => [['refreshToken', 'A'.repeat(43)]],
      'POST /auth/logout': () => [['refreshToken', 'A'.repeat(43)]],
    };
    const targets = writeTargets(owner, post);
    const inBody = fc.record({
      kind: fc.constant('body' as const),
      target: fc.constantFrom(...targets),
      key: fc.constantFrom(...PROTOTYPE_KEYS),
      value: fc.jsonValue({ maxDepth: 2 }),
      at: fc.nat(),
      credentials: credentials(session.badAuthorizations),
    });
    const inQuery = fc
      .record({
        path: fc.constantFrom('/users', '/posts', `/users/${owner.id}/posts`),
        key: fc.constantFrom(...PROTOTYPE_KEYS),
        value: fc.constantFrom('1', '', 'x', '{}'),
        limit: fc.boolean(),
        credentials: credentials(session.badAuthorizations),
      })
      .map(({ path, key, value, limit, credentials: creds }) => ({
        kind: 'query' as const,
        path: `${path}?${limit ? 'limit=1&' : ''}${key}=${value}`,
        credentials: creds,
      }));
    await session.fuzz(
      'prototype member keys in bodies and query strings',
      { seed: 0x9707, numRuns: 400 },
      fc.oneof(inBody, inQuery),
      async (c) => {
        const sender = session.sender(c.credentials, owner, other);
        if (c.kind === 'query') {
          await session.expectStatus({ method: 'GET', path: c.path, headers: sender.auth }, 400);
          return;
        }
        const entries = valid[c.target.route]();
        entries.splice(c.at % (entries.length + 1), 0, [c.key, c.value]);
        await session.expectWrite(c.target, objectText(entries, owner), sender);
      },
    );
  }, 60_000);

  it('answers any JSON document as a write body by the contract: 400 unless it is a valid object', async () => {
    const [owner, other] = await session.accountPair();
    const post = await session.createPost(owner);
    const targets = writeTargets(owner, post);
    const key = fc.oneof(
      fc.constantFrom(
        'username',
        'email',
        'password',
        'currentPassword',
        'body',
        'login',
        'refreshToken',
      ),
      unknownKey,
    );
    const document = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }),
      fc.dictionary(key, fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }), { maxKeys: 4 }),
    );
    await session.fuzz(
      'random JSON documents as write bodies',
      { seed: 0x7501, numRuns: 1000 },
      fc.record({
        target: fc.constantFrom(...targets),
        document,
        credentials: credentials(session.badAuthorizations),
      }),
      async ({ target, document: doc, credentials: creds }) => {
        await session.expectWrite(target, JSON.stringify(doc), session.sender(creds, owner, other));
      },
    );
  }, 60_000);

  it('answers the right keys with wrong, edge or valid values by the contract (400, 401, 403, 409 or success)', async () => {
    const [owner, other] = await session.accountPair();
    const post = await session.createPost(owner);
    const targets = writeTargets(owner, post);
    // Fewer sign-ins: each valid-looking one costs a password hash, right or wrong.
    const target = fc.oneof(
      ...targets.map((t) => ({
        weight: t.route.startsWith('POST /auth') ? 1 : 2,
        arbitrary: fc.constant(t),
      })),
    );
    const cases = target.chain((t) =>
      fc.record({
        target: fc.constant(t),
        entries: fieldEntries(t.route),
        credentials: credentials(session.badAuthorizations),
      }),
    );
    await session.fuzz(
      'right keys, wrong types and edge values',
      { seed: 0xf1e1d, numRuns: 2100 },
      cases,
      async ({ target: t, entries, credentials: creds }) => {
        await session.expectWrite(
          t,
          objectText(entries, owner),
          session.sender(creds, owner, other),
        );
      },
    );
  }, 120_000);
});
