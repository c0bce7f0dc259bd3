import fc from 'fast-check';
import { describeFuzzing } from './support/fuzz';
import {
  validEmail,
  validPassword,
  validPostBody,
  validUsername,
} from './support/fuzz-arbitraries';
import { expectedWrite, writeRequest, type WriteTarget } from './support/fuzz-contract';
import { json } from './support/http-client';

/*
 * Valid but tricky input (see support/fuzz.ts for the oracle every request goes through):
 * usernames, emails and post bodies the contract accepts, however unusual their characters,
 * must be stored and returned exactly as sent (emails lower-cased).
 */

describeFuzzing('valid tricky strings', { storesPasswords: true }, (session) => {
  it('stores and returns valid usernames, emails and post bodies exactly, however tricky', async () => {
    const author = await session.createUser();
    const editable = await session.createUser();
    const post = await session.createPost(author);
    type Op =
      | { op: 'create user'; username: string; email: string; password?: string }
      | { op: 'update user'; username?: string; email?: string }
      | { op: 'create post'; body: string }
      | { op: 'update post'; body: string };
    const ops: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record(
          {
            op: fc.constant('create user' as const),
            username: validUsername,
            email: validEmail,
            // Rare: every password costs a scrypt hash.
            password: fc.oneof(
              { weight: 19, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: validPassword },
            ),
          },
          { requiredKeys: ['op', 'username', 'email'] },
        ),
      },
      {
        weight: 1,
        arbitrary: fc.record(
          { op: fc.constant('update user' as const), username: validUsername, email: validEmail },
          { requiredKeys: ['op'] },
        ),
      },
      {
        weight: 3,
        arbitrary: fc.record({ op: fc.constant('create post' as const), body: validPostBody }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant('update post' as const), body: validPostBody }),
      },
    );
    /** The status of a write the generators meant to be valid; anything else is their bug. */
    const validWrite = (target: WriteTarget, text: string) => {
      const expected = expectedWrite(session.file, target, text);
      if (![200, 201, 409].includes(expected)) {
        throw new Error(`generated an invalid write (${expected}): ${text}`);
      }
      return expected;
    };
    await session.fuzz(
      'valid strings: stored and returned byte-for-byte',
      { seed: 0x5a7e, numRuns: 2000 },
      ops,
      async (op) => {
        if (op.op === 'create user' || op.op === 'update user') {
          const { op: kind, ...fields } = op;
          const target: WriteTarget =
            kind === 'create user'
              ? { route: 'POST /users' }
              : { route: 'PATCH /users/:id', id: editable };
          const text = JSON.stringify(fields);
          const expected = validWrite(target, text);
          const { res } = await session.expectStatus(writeRequest(target, text), expected);
          if (expected === 409) {
            return; // taken by another user: checked to have changed nothing
          }
          const shown = json<{ id: number }>(res);
          const id = target.id ?? shown.id;
          const row = session.file.user(id)!;
          const stored = { id, username: row.username, email: row.email };
          const want = {
            id,
            username: fields.username ?? stored.username,
            email: fields.email?.toLowerCase() ?? stored.email,
          };
          const fetched = json(await session.http.send({ method: 'GET', path: `/users/${id}` }));
          expect({ response: shown, fetched, stored }).toEqual({
            response: want,
            fetched: want,
            stored: want,
          });
          if (kind === 'create user') {
            expect(res.headers.location).toBe(`/users/${id}`);
            expect(row.password_hash === null).toBe(op.password === undefined);
          }
          return;
        }
        const target: WriteTarget =
          op.op === 'create post'
            ? { route: 'POST /posts' }
            : { route: 'PATCH /posts/:id', id: post };
        const text = JSON.stringify(
          op.op === 'create post' ? { body: op.body, authorId: author } : { body: op.body },
        );
        const { res } = await session.expectStatus(
          writeRequest(target, text),
          validWrite(target, text),
        );
        const shown = json<{ id: number; body: string; timestamp: string }>(res);
        const id = target.id ?? shown.id;
        const fetched = json<{ body: string }>(
          await session.http.send({ method: 'GET', path: `/posts/${id}` }),
        );
        const stored = session.file.post(id)!;
        expect({ response: shown.body, fetched: fetched.body, stored: stored.body }).toEqual({
          response: op.body,
          fetched: op.body,
          stored: op.body,
        });
        expect(Buffer.from(stored.body).equals(Buffer.from(op.body))).toBe(true);
        expect(shown.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      },
    );
  }, 120_000);
});
