import fc from 'fast-check';
import type { DatabaseFile } from './support/database-file';
import { describeFuzzing, type FuzzSession } from './support/fuzz';
import { ABSENT_IDS, CANONICAL_ID, MAX_ID } from './support/fuzz-contract';
import type { HttpRequest } from './support/http-client';

/*
 * Bad input: ids in paths, on every :id route (see support/fuzz.ts for the oracle every request
 * goes through). A path id is valid only in its canonical form, and only up to MAX_ID: anything
 * else is a 400, and a valid id of no row is a 404.
 */

// ---------------------------------------------------------------------------------------------
// The model: what status the README's contract gives an id
// ---------------------------------------------------------------------------------------------

interface IdRoute {
  method: 'GET' | 'PATCH' | 'DELETE';
  path: (id: string) => string;
  table: 'user' | 'post';
  /** A body the route accepts for any existing row, so that only the id decides. */
  body?: string;
  ok: number;
}

const ID_ROUTES: IdRoute[] = [
  { method: 'GET', path: (id) => `/users/${id}`, table: 'user', ok: 200 },
  { method: 'PATCH', path: (id) => `/users/${id}`, table: 'user', body: '{}', ok: 200 },
  { method: 'DELETE', path: (id) => `/users/${id}`, table: 'user', ok: 204 },
  { method: 'GET', path: (id) => `/users/${id}/posts`, table: 'user', ok: 200 },
  { method: 'GET', path: (id) => `/posts/${id}`, table: 'post', ok: 200 },
  {
    method: 'PATCH',
    path: (id) => `/posts/${id}`,
    table: 'post',
    body: '{"body":"fixture post"}',
    ok: 200,
  },
  { method: 'DELETE', path: (id) => `/posts/${id}`, table: 'post', ok: 204 },
];

/** The id a path segment stands for once decoded, if it is a canonical positive integer. */
function canonicalId(segment: string): number | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return CANONICAL_ID.test(decoded) && Number(decoded) <= MAX_ID ? Number(decoded) : undefined;
}

/** The status a request for `segment` on `route` must get, given the rows in the database `file`. */
function expectedId(file: DatabaseFile, route: IdRoute, segment: string): number {
  const id = canonicalId(segment);
  if (id === undefined) {
    return 400;
  }
  const exists = route.table === 'user' ? file.user(id) : file.post(id);
  return exists ? route.ok : 404;
}

function idRequest(route: IdRoute, segment: string): HttpRequest {
  return {
    method: route.method,
    path: route.path(segment),
    ...(route.body === undefined
      ? {}
      : { body: route.body, headers: { 'content-type': 'application/json' } }),
  };
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** A path segment that should be an id: anything but what a slash or query would split. */
function idSegment(existing: number[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...existing).map(String),
    fc.integer(ABSENT_IDS).map(String),
    fc.integer({ min: -3, max: 40 }).map(String),
    fc.constantFrom(
      ...(
        '0 -1 -0 2147483648 4294967296 9007199254740993 99999999999999999999 1e308 1e%2B308 ' +
        'Infinity NaN 1.5 0.1 1,0 1_000 null undefined true %5B%5D %7B%7D %00 %2F .. . %2e%2e ' +
        "%ZZ % %E2%82 %C0%AF %FF %27 %25 _ * 1'%20or%20'1'%3D'1 1;DROP%20TABLE%20user"
      ).split(' '),
      '%ED%A0%80', // a surrogate, UTF-8 encoded: not valid UTF-8
      '%D9%A1', // Arabic-Indic digit one
      '%EF%BC%91', // full-width digit one
      '%C2%B9', // superscript one
    ),
    fc.double().map(String),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map(encodeURIComponent),
    fc
      .uint8Array({ minLength: 1, maxLength: 6 })
      .map((bytes) =>
        [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
      ),
  );
}

/** Spellings of an existing id that are not its canonical form. */
const LOOK_ALIKES: ((id: number) => string)[] = [
  (id) => `0${id}`,
  (id) => `00${id}`,
  (id) => `${id}.0`,
  (id) => `${id}.`,
  (id) => `${id}e0`,
  (id) => `${id}E0`,
  (id) => `${id * 10}e-1`,
  (id) => `+${id}`,
  (id) => `%2B${id}`,
  (id) => `%20${id}`,
  (id) => `${id}%20`,
  (id) => `%09${id}`,
  (id) => `${id}%0A`,
  (id) => `${id}%C2%A0`,
  (id) => `0x${id.toString(16)}`,
  (id) => `0X${id.toString(16).toUpperCase()}`,
  (id) => `0o${id.toString(8)}`,
  (id) => `0b${id.toString(2)}`,
  (id) => `${id}n`,
  (id) => `${id}%00`,
  (id) => `${id}_`,
  (id) => `-${id}`,
];

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

/** Two users and two posts by the first of them, made before a property: rows its ids find. */
async function idFixtures(session: FuzzSession): Promise<Record<IdRoute['table'], number[]>> {
  const users = [await session.createUser(), await session.createUser()];
  const posts = [await session.createPost(users[0]), await session.createPost(users[0])];
  return { user: users, post: posts };
}

describeFuzzing('ids in paths', (session) => {
  /** Sends `segment` to `route`: its status must be the one the model gives. */
  const expectIdStatus = async ({ route, segment }: { route: IdRoute; segment: string }) => {
    await session.expectStatus(idRequest(route, segment), expectedId(session.file, route, segment));
  };

  it('answers garbage, huge, negative and unicode ids by the contract (400, or 404 for no row), on every :id route', async () => {
    const fixtures = await idFixtures(session);
    const cases = fc.constantFrom(...ID_ROUTES).chain((route) =>
      fc.record({
        route: fc.constant(route),
        segment: idSegment(fixtures[route.table]).filter(
          // Deleting a fixture would leave the other cases nothing to find.
          (segment) =>
            route.method !== 'DELETE' || !fixtures[route.table].includes(canonicalId(segment) ?? 0),
        ),
      }),
    );
    await session.fuzz(
      'ids: garbage, huge, unicode, percent-encoded',
      { seed: 0x1d5, numRuns: 1200 },
      cases,
      expectIdStatus,
    );
  }, 90_000);

  it('answers other spellings of an existing id ("01", "1.0", "+1", " 1", "0x1") with 400, touching nothing', async () => {
    const fixtures = await idFixtures(session);
    const cases = fc.record({
      route: fc.constantFrom(...ID_ROUTES),
      spell: fc.constantFrom(...LOOK_ALIKES),
      pick: fc.nat(),
    });
    await session.fuzz(
      'ids: non-canonical spellings of existing ids',
      { seed: 0x10ca1, numRuns: 300 },
      cases.map(({ route, spell, pick }) => {
        const ids = fixtures[route.table];
        return { route, segment: spell(ids[pick % ids.length]) };
      }),
      expectIdStatus,
    );
  }, 60_000);
});
