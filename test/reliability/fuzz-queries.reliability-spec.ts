import { parse as parseQuery } from 'node:querystring';
import fc from 'fast-check';
import { describeFuzzing } from './support/fuzz';
import { credentials } from './support/fuzz-arbitraries';
import { isPrototypeKey, PAGE_SIZE, USER_ORDERS } from './support/fuzz-contract';
import { json } from './support/http-client';

/*
 * Bad input: the query strings of the listings (see support/fuzz.ts for the oracle every request
 * goes through): limit, sort and cursor, unknown and repeated keys, and real cursors used on the
 * wrong listing or order, or altered. The listings are public: a token, valid or not, changes
 * nothing.
 */

// ---------------------------------------------------------------------------------------------
// The model: what status the README's contract gives a query string
// ---------------------------------------------------------------------------------------------

interface Listing {
  path: string;
  params: string[];
  /** What a cursor is bound to: the listing and its order. */
  key: (sort: string) => string;
}

/**
 * The status `GET <listing>?<query>` must get, where `cursors` are the ones the listings issued,
 * by `Listing.key`.
 */
function expectedListing(
  listing: Listing,
  query: string,
  cursors: Map<string, Set<string>>,
): number {
  const params = parseQuery(query); // what express's default ("simple") query parser does
  for (const [key, value] of Object.entries(params)) {
    if (!listing.params.includes(key) || Array.isArray(value)) {
      return 400; // unknown or repeated parameters
    }
  }
  const { limit, sort = 'id', cursor } = params as Record<string, string | undefined>;
  if (limit !== undefined) {
    // A plain decimal only: "1e1", "0x10", " 5" and "010" are 400s, not some other page size.
    const n = /^[1-9][0-9]*$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= PAGE_SIZE.min && n <= PAGE_SIZE.max)) {
      return 400;
    }
  }
  if (listing.params.includes('sort') && !USER_ORDERS.includes(sort)) {
    return 400;
  }
  if (cursor && !cursors.get(listing.key(sort))?.has(cursor)) {
    return 400; // only a cursor this listing issued, for this order, unaltered
  }
  return 200;
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

describeFuzzing('query strings', (session) => {
  it('answers bad limit, sort and cursor query parameters with 400, and good ones with 200', async () => {
    // At least three rows in every listing, so that the first two pages both have a cursor.
    const [owner, other] = await session.accountPair();
    const author = owner.id;
    for (let i = 0; i < 3; i++) {
      await session.createPost(owner);
    }
    const listings: Listing[] = [
      { path: '/users', params: ['limit', 'cursor', 'sort'], key: (sort) => `users?sort=${sort}` },
      { path: '/posts', params: ['limit', 'cursor'], key: () => 'posts' },
      { path: `/users/${author}/posts`, params: ['limit', 'cursor'], key: () => `author` },
    ];
    // Real cursors, to use right, on the wrong listing or order, and altered.
    const cursors = new Map<string, Set<string>>();
    for (const [listing, sorts] of [
      [listings[0], USER_ORDERS],
      [listings[1], ['id']],
      [listings[2], ['id']],
    ] as const) {
      for (const sort of sorts) {
        const sortParam = listing.params.includes('sort') ? `&sort=${sort}` : '';
        const first = json<{ nextCursor: string }>(
          await session.http.send({ method: 'GET', path: `${listing.path}?limit=1${sortParam}` }),
        ).nextCursor;
        const second = json<{ nextCursor: string }>(
          await session.http.send({
            method: 'GET',
            path: `${listing.path}?limit=1${sortParam}&cursor=${first}`,
          }),
        ).nextCursor;
        cursors.set(listing.key(sort), new Set([first, second]));
      }
    }
    const realCursors = [...cursors.values()].flatMap((set) => [...set]);
    const altered = fc
      .tuple(fc.constantFrom(...realCursors), fc.nat(), fc.constantFrom(...'AZaz09-_.'.split('')))
      .map(([cursor, at, replacement]) => {
        const payload = cursor.split('.')[0];
        const i = at % payload.length;
        const changed = payload[i] === replacement ? '' : replacement; // a deletion if equal
        return cursor.slice(0, i) + changed + cursor.slice(i + 1);
      });
    const values = {
      limit: fc.oneof(
        fc.integer({ min: -5, max: 110 }).map(String),
        fc.constantFrom(
          ...'1e1 1e3 0x10 0b11 1.0 1.5 -0 +5 Infinity NaN null [] 10n % 1e308'.split(' '),
          ...['', ' ', ' 5', '٥', '５', '9007199254740993', '99999999999999999999', '\0'],
        ),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
      ),
      sort: fc.oneof(
        fc.constantFrom(...USER_ORDERS),
        fc.constantFrom(
          ...'ID +id --id email password_hash id,username random() toString __proto__'.split(' '),
          ...['', ' id', 'id ', 'username;drop table user', "username'"],
        ),
        fc.string({ unit: 'grapheme', maxLength: 10 }),
      ),
      cursor: fc.oneof(
        fc.constantFrom(...realCursors),
        altered,
        fc.constantFrom(
          '',
          '.',
          'a.b',
          'a.b.c',
          'eyJ4Ijox.AAAAAAAAAAAAAAAAAAAAAA',
          'W10.AAAAAAAAAAAAAAAAAAAAAA',
          'x'.repeat(513),
          '\0',
          "'; drop table post; --",
        ),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc
          .tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 24 }))
          .map(([payload, mac]) => `${payload}.${mac}`),
      ),
    };
    const key = fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('limit', 'cursor', 'sort') },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          ...'limit[] limit[a] sort[] cursor[] offset page LIMIT email $where'.split(' '),
          ...['limit ', ''],
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    );
    const pair = fc
      .tuple(
        key,
        fc.oneof(values.limit, values.sort, values.cursor),
        fc.constantFrom('pair', 'pair', 'pair', 'plus', 'lower', 'bare'),
      )
      .chain(([k, anyValue, style]) =>
        // Mostly the value that belongs to the key, so that valid queries come up too.
        fc
          .oneof(
            {
              weight: 3,
              arbitrary: Object.hasOwn(values, k) ? values[k as keyof typeof values] : values.limit,
            },
            { weight: 1, arbitrary: fc.constant(anyValue) },
          )
          .map((value) => {
            let encoded = `${encodeURIComponent(k)}=${encodeURIComponent(value)}`;
            if (style === 'plus') {
              encoded = encoded.replace(/%20/g, '+');
            } else if (style === 'lower') {
              encoded = encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
            } else if (style === 'bare') {
              encoded = encodeURIComponent(k);
            }
            return encoded;
          }),
      );
    const junk = fc.constantFrom('', '&', '=', '==', '%', '%ZZ', 'a%', ';', '&&');
    const query = fc
      .array(fc.oneof({ weight: 8, arbitrary: pair }, { weight: 1, arbitrary: junk }), {
        maxLength: 4,
      })
      .map((parts) => parts.join('&'))
      .filter((q) => !Object.keys(parseQuery(q)).some(isPrototypeKey));
    const health: Listing = { path: '/health', params: [], key: () => '' };
    await session.fuzz(
      'query strings: limit, sort, cursor, unknown and repeated keys',
      { seed: 0x9e3, numRuns: 1300 },
      fc.record({
        listing: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...listings) },
          { weight: 1, arbitrary: fc.constant(health) },
        ),
        query,
        credentials: credentials(session.badAuthorizations),
      }),
      async ({ listing, query: q, credentials: creds }) => {
        const expected = listing === health ? 200 : expectedListing(listing, q, cursors);
        const { auth } = session.sender(creds, owner, other);
        await session.expectStatus(
          { method: 'GET', path: `${listing.path}?${q}`, headers: auth },
          expected,
        );
      },
    );
  }, 90_000);
});
