import fc from 'fast-check';
import { bearer, describeFuzzing, type Sender } from './support/fuzz';
import {
  objectText,
  OwnerValue,
  validEmail,
  validPassword,
  validPostBody,
  validUsername,
} from './support/fuzz-arbitraries';
import { expectedWrite, type WriteTarget } from './support/fuzz-contract';
import { json } from './support/http-client';

/*
 * Valid but tricky input (see support/fuzz.ts for the oracle every request goes through):
 * usernames, emails, passwords and post bodies the contract accepts, however unusual their
 * characters, must be stored and returned exactly as sent (emails lower-cased, and shown only
 * to their user), and sign their users in. Every write is signed in as its owner.
 */

describeFuzzing('valid tricky strings', (session) => {
  it('stores and returns valid usernames, emails, passwords and post bodies exactly, however tricky', async () => {
    const [author, editable] = await session.accountPair();
    const post = await session.createPost(author);
    const asAuthor: Sender = { auth: bearer(author.accessToken), actor: { userId: author.id } };
    const asEditable: Sender = {
      auth: bearer(editable.accessToken),
      actor: { userId: editable.id },
    };
    type Op =
      | {
          op: 'sign up';
          username: string;
          email: string;
          password: string;
          signIn: 'username' | 'email' | undefined;
        }
      | { op: 'update user'; username?: string; email?: string }
      | { op: 'create post'; body: string }
      | { op: 'update post'; body: string };
    // Every sign-up and sign-in, and every new email (which needs the current password), costs a
    // password hash (20-40 ms): they are the rarer cases.
    const ops: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant('sign up' as const),
          username: validUsername,
          email: validEmail,
          password: validPassword,
          signIn: fc.oneof(
            { weight: 2, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: fc.constantFrom('username' as const, 'email' as const) },
          ),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant('update user' as const), username: validUsername }),
      },
      {
        weight: 1,
        arbitrary: fc.record(
          { op: fc.constant('update user' as const), username: validUsername, email: validEmail },
          { requiredKeys: ['op', 'email'] },
        ),
      },
      {
        weight: 5,
        arbitrary: fc.record({ op: fc.constant('create post' as const), body: validPostBody }),
      },
      {
        weight: 4,
        arbitrary: fc.record({ op: fc.constant('update post' as const), body: validPostBody }),
      },
    );
    /** The status of a write the generators meant to be valid; anything else is their bug. */
    const validWrite = (target: WriteTarget, text: string, sender: Sender) => {
      const expected = expectedWrite(session, target, text, sender.actor);
      if (![200, 201, 409].includes(expected)) {
        throw new Error(`generated an invalid write (${expected}): ${text}`);
      }
      return expected;
    };
    /** Sends a valid write, checks its status, and returns its answer (undefined for a 409). */
    const write = async (target: WriteTarget, text: string, sender: Sender) => {
      validWrite(target, text, sender);
      const { res } = await session.expectWrite(target, text, sender);
      return res.status === 409 ? undefined : res;
    };
    await session.fuzz(
      'valid strings: stored and returned byte-for-byte',
      { seed: 0x5a7e, numRuns: 2000 },
      ops,
      async (op) => {
        if (op.op === 'sign up') {
          const { username, email, password } = op;
          const res = await write(
            { route: 'POST /users' },
            JSON.stringify({ username, email, password }),
            { auth: {}, actor: undefined },
          );
          if (!res) {
            return; // taken by another user: checked to have changed nothing
          }
          const { id } = json<{ id: number }>(res);
          const row = session.file.user(id)!;
          const fetched = json(await session.http.send({ method: 'GET', path: `/users/${id}` }));
          expect({ response: json(res), fetched, stored: row.username, email: row.email }).toEqual({
            response: { id, username },
            fetched: { id, username },
            stored: username,
            email: email.toLowerCase(),
          });
          expect(res.headers.location).toBe(`/users/${id}`);
          expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
          if (op.signIn) {
            // The new user signs in with the password as given, by username or by email.
            const text = JSON.stringify({ login: op[op.signIn], password });
            const target: WriteTarget = { route: 'POST /auth/login' };
            if (expectedWrite(session, target, text, undefined) !== 200) {
              throw new Error(`the model refuses a sign-in it should accept: ${text}`);
            }
            await session.expectWrite(target, text, { auth: {}, actor: undefined });
          }
          return;
        }
        if (op.op === 'update user') {
          const fields = { username: op.username, email: op.email };
          const target: WriteTarget = { route: 'PATCH /users/:id', id: editable.id };
          const entries: [string, unknown][] = Object.entries(fields).filter(
            ([, value]) => value !== undefined,
          );
          if (fields.email !== undefined) {
            entries.push(['currentPassword', new OwnerValue('password')]);
          }
          const res = await write(target, objectText(entries, editable), asEditable);
          if (!res) {
            return;
          }
          const row = session.file.user(editable.id)!;
          const account = {
            id: editable.id,
            username: fields.username ?? row.username,
            email: fields.email?.toLowerCase() ?? row.email,
          };
          const fetched = json(
            await session.http.send({ method: 'GET', path: `/users/${editable.id}` }),
          );
          const me = json(
            await session.http.send({ method: 'GET', path: '/users/me', headers: asEditable.auth }),
          );
          const stored = { id: row.id, username: row.username, email: row.email };
          expect({ response: json(res), me, stored, fetched }).toEqual({
            response: account,
            me: account,
            stored: account,
            fetched: { id: account.id, username: account.username },
          });
          return;
        }
        const target: WriteTarget =
          op.op === 'create post'
            ? { route: 'POST /posts' }
            : { route: 'PATCH /posts/:id', id: post };
        const res = (await write(target, JSON.stringify({ body: op.body }), asAuthor))!;
        const shown = json<{
          id: number;
          body: string;
          timestamp: string;
          author: { id: number; username: string };
        }>(res);
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
        expect(shown.author).toEqual({ id: author.id, username: author.username });
        expect(stored.user_id).toBe(author.id);
        expect(shown.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      },
    );
  }, 120_000);
});
