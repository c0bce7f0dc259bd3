import fc from 'fast-check';
import { describeFuzzing } from './support/fuzz';
import { fieldEntries, objectText, RawJson, unknownKey } from './support/fuzz-arbitraries';
import {
  ABSENT_IDS,
  expectedWrite,
  PROTOTYPE_KEYS,
  writeRequest,
  type WriteRoute,
  type WriteTarget,
} from './support/fuzz-contract';

/*
 * Bad input: JSON write bodies, on every write route (see support/fuzz.ts for the oracle every
 * request goes through): any JSON document, the right keys with wrong, edge or valid values,
 * unknown keys, and keys that name members of every object. Each must get the status the
 * contract's model gives it (`expectedWrite`).
 */

/** Every write route: its PATCHes for the user `user` and the post `post`. */
function writeTargets(user: number, post: number): WriteTarget[] {
  return [
    { route: 'POST /users' },
    { route: 'PATCH /users/:id', id: user },
    { route: 'POST /posts' },
    { route: 'PATCH /posts/:id', id: post },
  ];
}

describeFuzzing('JSON write bodies', { storesPasswords: true }, (session) => {
  /** Sends `text` to `target` as JSON: its status must be the one the model gives. */
  const expectWrite = async (target: WriteTarget, text: string) => {
    await session.expectStatus(
      writeRequest(target, text),
      expectedWrite(session.file, target, text),
    );
  };

  it('refuses keys that name members of every object (__proto__, constructor, toString, ...) in bodies and query strings', async () => {
    const user = await session.createUser();
    const post = await session.createPost(user);
    let made = 0;
    // Valid bodies but for the one key, so that only that key can make them a 400.
    const valid: Record<WriteRoute, () => [string, unknown][]> = {
      'POST /users': () => [
        ['username', `proto-keys-${++made}`],
        ['email', `proto-keys-${made}@example.com`],
      ],
      'PATCH /users/:id': () => [],
      'POST /posts': () => [
        ['body', 'proto keys'],
        ['authorId', user],
      ],
      'PATCH /posts/:id': () => [['body', 'proto keys']],
    };
    const targets = writeTargets(user, post);
    const inBody = fc.record({
      kind: fc.constant('body' as const),
      target: fc.constantFrom(...targets),
      key: fc.constantFrom(...PROTOTYPE_KEYS),
      value: fc.jsonValue({ maxDepth: 2 }),
      at: fc.nat(),
    });
    const inQuery = fc
      .record({
        path: fc.constantFrom('/users', '/posts', `/users/${user}/posts`),
        key: fc.constantFrom(...PROTOTYPE_KEYS),
        value: fc.constantFrom('1', '', 'x', '{}'),
        limit: fc.boolean(),
      })
      .map(({ path, key, value, limit }) => ({
        kind: 'query' as const,
        path: `${path}?${limit ? 'limit=1&' : ''}${key}=${value}`,
      }));
    await session.fuzz(
      'prototype member keys in bodies and query strings',
      { seed: 0x9707, numRuns: 400 },
      fc.oneof(inBody, inQuery),
      async (c) => {
        if (c.kind === 'query') {
          await session.expectStatus({ method: 'GET', path: c.path }, 400);
          return;
        }
        const entries = valid[c.target.route]();
        entries.splice(c.at % (entries.length + 1), 0, [c.key, c.value]);
        await expectWrite(c.target, objectText(entries));
      },
    );
  }, 60_000);

  it('answers any JSON document as a write body by the contract: 400 unless it is a valid object', async () => {
    const user = await session.createUser();
    const post = await session.createPost(user);
    const targets = writeTargets(user, post);
    const key = fc.oneof(
      fc.constantFrom('username', 'email', 'password', 'body', 'authorId'),
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
      fc.record({ target: fc.constantFrom(...targets), document }),
      async ({ target, document: doc }) => {
        await expectWrite(target, JSON.stringify(doc));
      },
    );
  }, 60_000);

  it('answers the right keys with wrong, edge or valid values by the contract (400, 409, 422 or success)', async () => {
    const user = await session.createUser();
    const post = await session.createPost(user);
    const authorIds: fc.Arbitrary<unknown> = fc.oneof(
      { weight: 4, arbitrary: fc.constant(user) },
      { weight: 1, arbitrary: fc.integer(ABSENT_IDS) }, // a valid id, but no such user: 422
      {
        weight: 1, // the same number, spelled differently in JSON
        arbitrary: fc
          .constantFrom(`${user}.0`, `${user}e0`, `${user}0e-1`)
          .map((raw) => new RawJson(raw)),
      },
    );
    const targets = writeTargets(user, post);
    const cases = fc.constantFrom(...targets).chain((target) =>
      fieldEntries(target.route, authorIds).map((entries) => ({
        target,
        text: objectText(entries),
      })),
    );
    await session.fuzz(
      'right keys, wrong types and edge values',
      { seed: 0xf1e1d, numRuns: 2100 },
      cases,
      async ({ target, text: bodyText }) => {
        await expectWrite(target, bodyText);
      },
    );
  }, 120_000);
});
