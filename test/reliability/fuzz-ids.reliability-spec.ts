import fc from 'fast-check';
import type { DatabaseFile } from './support/database-file';
import { describeFuzzing, type FuzzAccount, type FuzzSession } from './support/fuzz';
import { type Credentials, credentials } from './support/fuzz-arbitraries';
import { ABSENT_IDS, type Actor, CANONICAL_ID, MAX_ID } from './support/fuzz-contract';
import type { HttpRequest } from './support/http-client';

/*
 * Bad input: ids in paths, on every :id route (see support/fuzz.ts for the oracle every request
 * goes through), signed in as the owner, as someone else, or not at all. A path id is valid only
 * in its canonical form, and only up to MAX_ID: anything else is a 400, and a valid id of no row
 * is a 404. A PATCH or DELETE needs a valid token first (401), and is only for the user
 * themselves or the post's author (403).
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

/** Whether a path segment can be percent-decoded at all: if not, the URL is a 400 outright. */
function decodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/** Who owns the row `id` of `table`: the user themselves, or the post's author. */
function ownerOf(file: DatabaseFile, table: IdRoute['table'], id: number): number | undefined {
  return table === 'user' ? file.user(id)?.id : file.post(id)?.user_id;
}

/**
 * The status a request for `segment` on `route` by `actor` must get, given the rows in the
 * database `file`: a URL that cannot be decoded is a 400 before anything else; a change needs
 * a valid token (401) before its id is looked at.
 */
function expectedId(file: DatabaseFile, route: IdRoute, segment: string, actor: Actor): number {
  if (!decodable(segment)) {
    return 400;
  }
  const changes = route.method !== 'GET';
  if (changes && !actor) {
    return 401;
  }
  const id = canonicalId(segment);
  if (id === undefined) {
    return 400;
  }
  const owner = ownerOf(file, route.table, id);
  if (owner === undefined) {
    return 404;
  }
  return changes && owner !== actor!.userId ? 403 : route.ok;
}

function idRequest(route: IdRoute, segment: string, auth: Record<string, string>): HttpRequest {
  return {
    method: route.method,
    path: route.path(segment),
    ...(route.body === undefined
      ? { headers: auth }
      : { body: route.body, headers: { 'content-type': 'application/json', ...auth } }),
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

/**
 * Two accounts and two posts by the first of them (the owner), made before a property: rows its
 * ids find, and who may change them.
 */
async function idFixtures(session: FuzzSession) {
  const [owner, other] = await session.accountPair();
  const posts = [await session.createPost(owner), await session.createPost(owner)];
  const ids: Record<IdRoute['table'], number[]> = { user: [owner.id, other.id], post: posts };
  return { owner, other, ids };
}

interface IdCase {
  route: IdRoute;
  segment: string;
  credentials: Credentials;
}

describeFuzzing('ids in paths', (session) => {
  /** Sends `segment` to `route` as `credentials`: its status must be the one the model gives. */
  const expectIdStatus = async (
    { route, segment, credentials: creds }: IdCase,
    owner: FuzzAccount,
    other: FuzzAccount,
  ) => {
    const { auth, actor } = session.sender(creds, owner, other);
    await session.expectStatus(
      idRequest(route, segment, auth),
      expectedId(session.file, route, segment, actor),
    );
  };

  /**
   * Whether the case would delete a fixture (a user deleting themselves, the owner a post):
   * the other cases would have nothing left to find, or no account to act as.
   */
  const deletesFixture = (
    { route, segment, credentials: creds }: IdCase,
    { owner, other, ids }: Awaited<ReturnType<typeof idFixtures>>,
  ) => {
    const id = canonicalId(segment);
    const actor = creds.as === 'owner' ? owner.id : creds.as === 'other' ? other.id : undefined;
    const ownerOfRow = route.table === 'post' ? owner.id : id;
    return (
      route.method === 'DELETE' &&
      id !== undefined &&
      ids[route.table].includes(id) &&
      actor === ownerOfRow
    );
  };

  it('answers garbage, huge, negative and unicode ids by the contract (400, or 404 for no row, after 401 and before 403), on every :id route', async () => {
    const fixtures = await idFixtures(session);
    const cases = fc
      .constantFrom(...ID_ROUTES)
      .chain((route) =>
        fc.record({
          route: fc.constant(route),
          segment: idSegment(fixtures.ids[route.table]),
          credentials: credentials(session.badAuthorizations),
        }),
      )
      .filter((c) => !deletesFixture(c, fixtures));
    await session.fuzz(
      'ids: garbage, huge, unicode, percent-encoded',
      { seed: 0x1d5, numRuns: 1200 },
      cases,
      (c) => expectIdStatus(c, fixtures.owner, fixtures.other),
    );
  }, 90_000);

  it('answers other spellings of an existing id ("01", "1.0", "+1", " 1", "0x1") with 400 (401 without a token), touching nothing', async () => {
    const fixtures = await idFixtures(session);
    const cases = fc.record({
      route: fc.constantFrom(...ID_ROUTES),
      spell: fc.constantFrom(...LOOK_ALIKES),
      pick: fc.nat(),
      credentials: credentials(session.badAuthorizations),
    });
    await session.fuzz(
      'ids: non-canonical spellings of existing ids',
      { seed: 0x10ca1, numRuns: 300 },
      cases.map(({ route, spell, pick, credentials: creds }) => {
        const ids = fixtures.ids[route.table];
        return { route, segment: spell(ids[pick % ids.length]), credentials: creds };
      }),
      (c) => expectIdStatus(c, fixtures.owner, fixtures.other),
    );
  }, 60_000);
});
