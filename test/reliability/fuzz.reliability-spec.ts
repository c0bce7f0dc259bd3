import { STATUS_CODES } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { gzipSync } from 'node:zlib';
import { isEmail } from 'class-validator';
import fc from 'fast-check';
import { createTestDatabase, migrateToLatest, type TestDatabase } from '../support/test-database';
import { AppProcess } from './support/app-process';
import { DatabaseFile } from './support/database-file';
import { HttpClient, json, type HttpRequest, type HttpResponse } from './support/http-client';

/*
 * Bad input (issue 7): property-based fuzzing of every endpoint of the built app, running as a
 * real process on a temp SQLite file. Every property sends its cases one at a time and checks:
 *
 * - the oracle every response must pass (`exchange`): it arrives within RESPONSE_TIMEOUT_MS, it
 *   is never a 5xx, a 4xx is exactly `{ statusCode, error, message }` in JSON, and neither a
 *   rejected request nor a read commits anything (SQLite's `data_version`, read on a second
 *   connection, moves only when another connection commits);
 * - the status the README's contract gives for that input (`expectedWrite`, `expectedId`,
 *   `expectedListing`): models written from the README, not from the code under test.
 *
 * Seeds are fixed, so a run is reproducible; a failure prints fast-check's shrunk counterexample
 * and the request and response it made.
 */

// ---------------------------------------------------------------------------------------------
// The contract, from the README
// ---------------------------------------------------------------------------------------------

/** The largest id a 32-bit integer column holds: ids above it are a 400, not a 404. */
const MAX_ID = 2_147_483_647;
/** Ids this large are never reached by the rows this run creates: a sure 404 (or 422). */
const ABSENT_IDS = { min: 1_000_000_000, max: MAX_ID };
const BODY_LIMIT_BYTES = 16 * 1024;
const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
const EMAIL_MAX_CHARS = 120;
const PASSWORD_CHARS = { min: 8, max: 256 };
const POST_MAX_CHARS = 140;
const PAGE_SIZE = { min: 1, max: 100 };
const USER_ORDERS = ['id', '-id', 'username', '-username'];
/** A path id in canonical form: what `ParseIdPipe` documents as the only accepted spelling. */
const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;

/** A hang fails the case: no response within this time is an error, not a wait. */
const RESPONSE_TIMEOUT_MS = 5000;

/** Length in code points, the unit every text limit of the API counts in. */
const chars = (text: string) => [...text].length;

/** Text every database stores unchanged: no NUL, no unpaired surrogate. */
const storable = (v: string) => !v.includes('\0') && v.isWellFormed();
const usernameOk = (v: unknown): v is string => typeof v === 'string' && USERNAME.test(v);
const emailOk = (v: unknown): v is string =>
  typeof v === 'string' &&
  chars(v.toLowerCase()) <= EMAIL_MAX_CHARS &&
  storable(v) &&
  isEmail(v.toLowerCase());
const passwordOk = (v: unknown) =>
  typeof v === 'string' &&
  chars(v) >= PASSWORD_CHARS.min &&
  chars(v) <= PASSWORD_CHARS.max &&
  storable(v);
const postBodyOk = (v: unknown): v is string =>
  typeof v === 'string' && v.trim().length > 0 && chars(v) <= POST_MAX_CHARS && storable(v);
const authorIdOk = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_ID;

/**
 * Keys that name a member of every object (`toString`, `hasOwnProperty`, `__proto__`, ...): the
 * ones a validator that looks properties up in a plain object could mistake for declared fields.
 */
const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
const isPrototypeKey = (key: string) => PROTOTYPE_KEYS.includes(key);

type WriteRoute = 'POST /users' | 'PATCH /users/:id' | 'POST /posts' | 'PATCH /posts/:id';

const WRITE_FIELDS: Record<WriteRoute, string[]> = {
  'POST /users': ['username', 'email', 'password'],
  'PATCH /users/:id': ['username', 'email', 'password'],
  'POST /posts': ['body', 'authorId'],
  'PATCH /posts/:id': ['body'],
};

interface WriteTarget {
  route: WriteRoute;
  /** The user or post a PATCH is for. */
  id?: number;
}

/** The write `target` with `body`, sent as `application/json` unless `headers` say otherwise. */
function writeRequest(
  { route, id }: WriteTarget,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): HttpRequest {
  const [method, path] = route.split(' ');
  return { method, path: path.replace(':id', String(id)), body, headers };
}

// ---------------------------------------------------------------------------------------------
// The app, its database, and the oracle every exchange goes through
// ---------------------------------------------------------------------------------------------

let db: TestDatabase;
let app: AppProcess;
let http: HttpClient;
let file: DatabaseFile;

let requestsSent = 0;
const summary: {
  property: string;
  cases: number;
  passed: boolean;
  requests: number;
  seconds: number;
}[] = [];

interface Exchange {
  res: HttpResponse;
  /** Whether the app committed anything while handling the request. */
  committed: boolean;
}

function describeRequest({ method, path, headers, body }: HttpRequest): string {
  const shown =
    body === undefined
      ? ''
      : Buffer.isBuffer(body)
        ? ` <bytes ${body.toString('hex').slice(0, 600)}>`
        : ` ${JSON.stringify(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 600)}`;
  return `${method} ${path}${headers ? ` ${JSON.stringify(headers)}` : ''}${shown}`;
}

function failure(req: HttpRequest, res: HttpResponse | undefined, problem: string): Error {
  const answer = res ? `\n  -> ${res.status} ${res.text.slice(0, 600)}` : '';
  return new Error(`${problem}\n  ${describeRequest(req)}${answer}`);
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Sends one request and checks what every answer must satisfy, whatever the input: it comes in
 * time, it is not a 5xx, a 4xx is a JSON error with exactly the three fields, and a rejected
 * request or a read leaves the database as it was.
 */
async function exchange(req: HttpRequest): Promise<Exchange> {
  const before = file.dataVersion();
  requestsSent++;
  let res: HttpResponse;
  try {
    res = await http.send({ timeoutMs: RESPONSE_TIMEOUT_MS, ...req });
  } catch (err) {
    const { exitCode, signalCode } = app.child;
    const died =
      exitCode === null && signalCode === null
        ? ''
        : `; the app exited (${exitCode ?? signalCode}), its last output:\n${app.output.slice(-3000)}`;
    throw failure(
      req,
      undefined,
      `no response: ${err instanceof Error ? err.message : String(err)}${died}`,
    );
  }
  const committed = file.dataVersion() !== before;
  if (res.status >= 500) {
    throw failure(req, res, 'server error');
  }
  // A field named password…, or an scrypt hash (error messages may name the field, not a
  // value); the API's documentation describes the password field, so it is left out.
  const shown = `${JSON.stringify(res.headers)}${res.text}`;
  if (!req.path.startsWith('/docs') && /"password\w*"\s*:|scrypt\$/i.test(shown)) {
    throw failure(req, res, 'a password or a password hash in the response');
  }
  if (res.status >= 400 && req.method !== 'HEAD') {
    if (!/^application\/json\b/.test(String(res.headers['content-type']))) {
      throw failure(req, res, `error with Content-Type ${String(res.headers['content-type'])}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw failure(req, res, 'error body is not JSON');
    }
    const expected = { statusCode: res.status, error: STATUS_CODES[res.status], message: '' };
    const fields = body as Record<string, unknown>;
    if (
      typeof body !== 'object' ||
      body === null ||
      Object.keys(body).sort().join() !== 'error,message,statusCode' ||
      fields.statusCode !== expected.statusCode ||
      fields.error !== expected.error ||
      typeof fields.message !== 'string' ||
      fields.message === ''
    ) {
      throw failure(req, res, `error body is not ${JSON.stringify(expected)}`);
    }
  }
  if (committed && res.status >= 400) {
    throw failure(req, res, 'a rejected request changed the database');
  }
  if (committed && READS.has(req.method)) {
    throw failure(req, res, 'a read changed the database');
  }
  return { res, committed };
}

/** `exchange`, and the status must be the one the contract gives. */
async function expectStatus(req: HttpRequest, status: number): Promise<Exchange> {
  const outcome = await exchange(req);
  if (outcome.res.status !== status) {
    throw failure(req, outcome.res, `expected ${status}, got ${outcome.res.status}`);
  }
  if ((status === 201 || status === 204) && !outcome.committed) {
    throw failure(req, outcome.res, `acknowledged with ${status} but nothing was committed`);
  }
  return outcome;
}

/**
 * Runs one property with its own seed and records how many cases it ran, for the summary printed
 * at the end (the README quotes it).
 */
async function fuzz<T>(
  property: string,
  { seed, numRuns }: { seed: number; numRuns: number },
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  const sentBefore = requestsSent;
  let passed = false;
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed, numRuns });
    passed = true;
  } finally {
    summary.push({
      property,
      cases: numRuns,
      passed,
      requests: requestsSent - sentBefore,
      seconds: (Date.now() - started) / 1000,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures, made through the API like any client would
// ---------------------------------------------------------------------------------------------

let fixturesMade = 0;

async function createUser(): Promise<number> {
  const username = `fz-fixture-${++fixturesMade}`;
  const res = await http.send({
    method: 'POST',
    path: '/users',
    body: { username, email: `${username}@fixture.test` },
  });
  if (res.status !== 201) {
    throw new Error(`fixture user: ${res.status} ${res.text}`);
  }
  return json<{ id: number }>(res).id;
}

async function createPost(authorId: number, body = `fixture post ${++fixturesMade}`) {
  const res = await http.send({ method: 'POST', path: '/posts', body: { body, authorId } });
  if (res.status !== 201) {
    throw new Error(`fixture post: ${res.status} ${res.text}`);
  }
  return json<{ id: number }>(res).id;
}

// ---------------------------------------------------------------------------------------------
// The models: what status the README's contract gives an input
// ---------------------------------------------------------------------------------------------

/** Whether a user other than `self` holds this username, or this email once lower-cased. */
function takenByOthers(username: unknown, email: unknown, self?: number): boolean {
  return file
    .userIdsHolding({
      username: typeof username === 'string' ? username : undefined,
      email: typeof email === 'string' ? email.toLowerCase() : undefined,
    })
    .some((id) => id !== self);
}

/** The status a JSON write with body text `text` (sent as `application/json`) must get. */
function expectedWrite(target: WriteTarget, text: string): number {
  if (Buffer.byteLength(text) > BODY_LIMIT_BYTES) {
    return 413;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 400;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 400;
  }
  const body = parsed as Record<string, unknown>;
  if (Object.keys(body).some((key) => !WRITE_FIELDS[target.route].includes(key))) {
    return 400; // unknown fields, whatever their name
  }
  const has = (key: string) => Object.hasOwn(body, key);
  const { username, email, password } = body;
  switch (target.route) {
    case 'POST /users':
      if (!usernameOk(username) || !emailOk(email) || (has('password') && !passwordOk(password))) {
        return 400;
      }
      return takenByOthers(username, email) ? 409 : 201;
    case 'PATCH /users/:id':
      if (
        (has('username') && !usernameOk(username)) ||
        (has('email') && !emailOk(email)) ||
        (has('password') && !passwordOk(password))
      ) {
        return 400;
      }
      if (!file.user(target.id!)) {
        return 404;
      }
      return takenByOthers(username, email, target.id) ? 409 : 200;
    case 'POST /posts':
      if (!postBodyOk(body.body) || !authorIdOk(body.authorId)) {
        return 400;
      }
      return file.user(body.authorId) ? 201 : 422;
    case 'PATCH /posts/:id':
      if (!postBodyOk(body.body)) {
        return 400;
      }
      return file.post(target.id!) ? 200 : 404;
  }
}

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

function expectedId(route: IdRoute, segment: string): number {
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

interface Listing {
  path: string;
  params: string[];
  /** What a cursor is bound to: the listing and its order. */
  key: (sort: string) => string;
}

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
    // Read as a number, then checked: "1e1" is 10. (Unlike path ids, the README asks no more.)
    const n = Number(limit);
    if (!Number.isInteger(n) || n < PAGE_SIZE.min || n > PAGE_SIZE.max) {
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
// Generators
// ---------------------------------------------------------------------------------------------

/** A JSON value written out as text, for what JSON.stringify cannot say (2**53+1, 1e400). */
class RawJson {
  constructor(readonly text: string) {}
}

function toJson(value: unknown): string {
  return value instanceof RawJson ? value.text : JSON.stringify(value);
}

/** An object's JSON text with one more field, its value given as JSON text. */
function withField(objectJson: string, key: string, valueJson: string): string {
  const field = `${JSON.stringify(key)}:${valueJson}`;
  return objectJson === '{}' ? `{${field}}` : `${objectJson.slice(0, -1)},${field}}`;
}

/** An object as JSON text from its entries: keeps `__proto__` keys and duplicate keys. */
function objectText(entries: [string, unknown][]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${toJson(value)}`).join(',')}}`;
}

const HUGE_NUMBERS = (
  '1e308 -1e308 1e309 -1e400 1.7976931348623157e308 5e-324 0.0000001 -0 ' +
  '9007199254740993 99999999999999999999 2147483648 -2147483649'
)
  .split(' ')
  .map((text) => new RawJson(text));

/** Text that databases, drivers and JSON handling get wrong when they get anything wrong. */
const TRICKY_TEXT = [
  "'; drop table user; --",
  "' OR '1'='1",
  "Robert'); DROP TABLE post;--",
  '%',
  '_',
  '%_%',
  '\\',
  '\\\\',
  "\\'",
  '"',
  '`',
  '/*',
  '$1',
  '{{7*7}}',
  '%s%n',
  'e\u0301', // e + combining acute
  'Z\u0351\u0334\u0353\u0330', // stacked combining marks
  '👩‍👩‍👧‍👦', // ZWJ sequence
  '🏳️‍🌈',
  '🇺🇳',
  '👍🏽',
  '🎉',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\u{10FFFF}',
  '\uFFFD',
  '\uFFFF',
  'مرحبا',
  'שלום',
  '\u202Eevil', // right-to-left override
  '\u200F',
  '\u2066x\u2069',
  '\u200D',
  '\u200B',
  '\uFEFF',
  '\u00A0',
  '中文',
  '\n',
  '\r\n',
  '\t',
  '\u2028',
  '\u0007',
  '\u007F',
  '\u0085',
  '<script>',
];

const BAD_IN_TEXT = ['\0', '\uD800', '\uDFFF', '\uD83D'];
const BLANKS = ['', ' ', '\t\n', '\u00A0\u2003\u3000', '\uFEFF', '\u2028\u2029'];

/** Code points of any kind, tricky ones more often than chance would give them. */
const textUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_TEXT) },
);

function text(minUnits: number, maxUnits: number): fc.Arbitrary<string> {
  return fc
    .array(textUnit, { minLength: minUnits, maxLength: maxUnits, size: 'max' })
    .map((units) => units.join(''));
}

/** Post bodies the API must accept: up to 140 code points of anything storable, not blank. */
const validPostBody = fc
  .oneof(
    { weight: 3, arbitrary: text(1, 12) },
    { weight: 1, arbitrary: text(100, 200) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'a'.repeat(140),
        '🎉'.repeat(140), // 140 characters, 280 UTF-16 units
        'e\u0301'.repeat(70),
        ` ${'x'.repeat(138)} `,
        "'; drop table user; --",
      ),
    },
  )
  .map((body) => [...body].slice(0, POST_MAX_CHARS).join(''))
  .filter(postBodyOk);

const invalidPostBody = fc.oneof(
  fc.constantFrom(...BLANKS, 'x'.repeat(141), '🎉'.repeat(141), 'e\u0301'.repeat(71)),
  fc.tuple(validPostBody, fc.constantFrom(...BAD_IN_TEXT), fc.nat()).map(([body, bad, at]) => {
    const units = [...body];
    units.splice(at % (units.length + 1), 0, bad);
    return units.join('');
  }),
  text(141, 200).filter((body) => chars(body) > POST_MAX_CHARS),
);

const validUsername = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
  fc.constantFrom('_', '.', '..', '-', '--', '__', 'a'.repeat(64)),
);

const invalidUsername = fc.oneof(
  fc.constantFrom(...BLANKS, 'x'.repeat(65), 'john\n', ' john', 'a b', 'é', '🎉', 'root\0'),
  fc
    .tuple(validUsername, fc.constantFrom(...TRICKY_TEXT, ...BAD_IN_TEXT, '@', '+', '!', ' '))
    .map(([name, bad]) => `${name}${bad}`),
  fc.stringMatching(/^[A-Za-z0-9_.-]{65,80}$/),
);

const localChar = fc.constantFrom(
  ..."abcXYZ019!#$%&'*+/=?^_`{|}~-".split(''),
  'é',
  'ß',
  'Ω',
  'İ', // lower-cases to two code points
  'ñ',
  '中',
  'ж',
);
const atom = fc.array(localChar, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
const quotedLocal = fc.oneof(
  fc
    .array(
      fc.constantFrom('a', 'Z', ' ', "'", ';', '-', '@', '\\"', '\\\\', '(', ')', ',', 'é', '\t'),
      { minLength: 1, maxLength: 12 },
    )
    .map((cs) => `"${cs.join('')}"`),
  fc.constantFrom('"\'; drop table user; --"', `"' or '1'='1"`, '"%_\\\\"'),
);
const domainLabel = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/),
  fc.constantFrom('bücher', '例え', 'мир', 'xn--bcher-kva', 'EXAMPLE'),
);
const tld = fc.constantFrom('com', 'io', 'ORG', 'museum', 'test', 'рф', 'テスト', 'xn--p1ai');

/** Emails the API must accept (as the validator it documents sees them, after lower-casing). */
const validEmail = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.array(atom, { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: quotedLocal.map((local) => [local]) },
    ),
    fc.array(domainLabel, { minLength: 1, maxLength: 3 }),
    tld,
  )
  .map(([local, labels, top]) => `${local.join('.')}@${[...labels, top].join('.')}`)
  .filter(emailOk);

const invalidEmail = fc.oneof(
  fc.constantFrom(
    ...BLANKS,
    'plainaddress',
    '@example.com',
    'john@',
    'john@example',
    'john@@example.com',
    'john @example.com',
    'john..doe@example.com',
    '.john@example.com',
    'john@-example.com',
    'john@example..com',
    'john@exa_mple.com',
    '"unterminated@example.com',
    'a@b.c',
    `${'x'.repeat(60)}@${'y'.repeat(60)}.com`, // well-formed, but over 120 characters
    "'; drop table user; --",
    '%@%.%',
  ),
  fc
    .tuple(validEmail, fc.constantFrom(...BAD_IN_TEXT), fc.nat())
    .map(
      ([email, bad, at]) =>
        email.slice(0, at % email.length) + bad + email.slice(at % email.length),
    ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

const validPassword = fc.oneof(
  text(8, 24).filter(passwordOk),
  fc.constantFrom('🎉'.repeat(8), 'p'.repeat(256), "'; drop table user; --"),
);

const invalidPassword = fc.oneof(
  fc.constantFrom('', 'short', '🎉'.repeat(7), 'x'.repeat(257), '🎉'.repeat(257)),
  fc.constantFrom('\0'.repeat(8), 'long enough \ud800'),
  text(0, 7).filter((password) => chars(password) < PASSWORD_CHARS.min),
);

/** Values of the wrong JSON type for any field, huge numbers included. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constantFrom(...HUGE_NUMBERS),
  fc.constantFrom('1', '0', '-1', '99999999999999999999', 'true', 'null', '[]'),
);

/** Keys no DTO declares; prototype member names are left to their own property. */
const UNKNOWN_KEYS = [
  ...'__proto__ constructor prototype id passwordHash password_hash isAdmin timestamp'.split(' '),
  ...'author user_id USERNAME é $where username[$ne]'.split(' '),
  ...['body ', '', ' ', '\0'],
];
const unknownKey = fc.oneof(
  fc.constantFrom(...UNKNOWN_KEYS),
  fc.string({ unit: 'grapheme', maxLength: 10 }).filter((key) => !isPrototypeKey(key)),
);

/** The entries of a body for `route`: each field valid, invalid, of the wrong type or absent. */
function fieldEntries(route: WriteRoute, authorIds: fc.Arbitrary<unknown>) {
  const choose = (
    valid: fc.Arbitrary<unknown>,
    invalid: fc.Arbitrary<unknown>,
    absent = 1,
  ): fc.Arbitrary<unknown> =>
    fc.oneof(
      { weight: 4, arbitrary: valid },
      { weight: 2, arbitrary: invalid },
      { weight: 1, arbitrary: wrongType },
      { weight: absent, arbitrary: fc.constant(undefined) },
    );
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    username: choose(validUsername, invalidUsername, route === 'PATCH /users/:id' ? 4 : 1),
    email: choose(validEmail, invalidEmail, route === 'PATCH /users/:id' ? 4 : 1),
    // Rare: a valid password costs a scrypt hash (~50-100 ms).
    password: fc.oneof(
      { weight: 85, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: validPassword },
      { weight: 8, arbitrary: invalidPassword },
      { weight: 4, arbitrary: wrongType },
    ),
    body: choose(validPostBody, invalidPostBody),
    authorId: choose(authorIds, fc.constantFrom(0, -1, 1.5, MAX_ID + 1, 2 ** 53 + 1)),
  };
  const names = WRITE_FIELDS[route];
  return fc
    .tuple(
      fc.tuple(...names.map((name) => fields[name])),
      fc.oneof(
        { weight: 7, arbitrary: fc.constant([]) },
        {
          weight: 3,
          arbitrary: fc.array(fc.tuple(unknownKey, fc.jsonValue({ maxDepth: 1 })), {
            minLength: 1,
            maxLength: 2,
          }),
        },
      ),
      fc.oneof(
        { weight: 9, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...names), wrongType) },
      ),
    )
    .map(([values, extra, duplicate]) => {
      const entries: [string, unknown][] = names
        .map((name, i): [string, unknown] => [name, values[i]])
        .filter(([, value]) => value !== undefined);
      entries.push(...(extra as [string, unknown][]));
      if (duplicate) {
        entries.unshift(duplicate); // a duplicate key: JSON.parse keeps the last one
      }
      return entries;
    });
}

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

describe('bad input: property-based fuzzing of every endpoint', () => {
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    app = await AppProcess.start(db.url);
    http = new HttpClient(app.port, 1);
    file = new DatabaseFile(db.url);
  }, 60_000);

  afterAll(async () => {
    // A property that failed stopped at its first counterexample: its cases are not counted.
    const total = summary.reduce((sum, row) => sum + (row.passed ? row.cases : 0), 0);
    const requests = summary.reduce((sum, row) => sum + row.requests, 0);
    const seconds = summary.reduce((sum, row) => sum + row.seconds, 0);
    const width = Math.max(...summary.map((row) => row.property.length), 5);
    const line = (name: string, cases: string, sent: number, s: number) =>
      `  ${name.padEnd(width)}  ${cases.padStart(6)} cases  ${String(sent).padStart(6)} requests` +
      `  ${s.toFixed(1).padStart(5)} s`;
    console.log(
      [
        'bad input fuzzing, cases per property:',
        ...summary.map((row) =>
          line(row.property, row.passed ? String(row.cases) : 'FAILED', row.requests, row.seconds),
        ),
        line('total', String(total), requests, seconds),
      ].join('\n'),
    );
    http?.close();
    file?.close();
    await app?.stop();
    await db?.remove();
  }, 30_000);

  it('answers garbage, huge, negative and unicode ids by the contract (400, or 404 for no row), on every :id route', async () => {
    const users = [await createUser(), await createUser()];
    const posts = [await createPost(users[0]), await createPost(users[0])];
    const fixtures = { user: users, post: posts };
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
    await fuzz(
      'ids: garbage, huge, unicode, percent-encoded',
      { seed: 0x1d5, numRuns: 1200 },
      cases,
      async ({ route, segment }) => {
        await expectStatus(idRequest(route, segment), expectedId(route, segment));
      },
    );
  }, 90_000);

  it('answers other spellings of an existing id ("01", "1.0", "+1", " 1", "0x1") with 400, touching nothing', async () => {
    const users = [await createUser(), await createUser()];
    const posts = [await createPost(users[0]), await createPost(users[0])];
    const fixtures = { user: users, post: posts };
    const cases = fc.record({
      route: fc.constantFrom(...ID_ROUTES),
      spell: fc.constantFrom(...LOOK_ALIKES),
      pick: fc.nat(),
    });
    await fuzz(
      'ids: non-canonical spellings of existing ids',
      { seed: 0x10ca1, numRuns: 300 },
      cases.map(({ route, spell, pick }) => {
        const ids = fixtures[route.table];
        return { route, segment: spell(ids[pick % ids.length]) };
      }),
      async ({ route, segment }) => {
        await expectStatus(idRequest(route, segment), expectedId(route, segment));
      },
    );
  }, 60_000);

  it('answers bad limit, sort and cursor query parameters with 400, and good ones with 200', async () => {
    // At least three rows in every listing, so that the first two pages both have a cursor.
    const author = await createUser();
    await createUser();
    await createUser();
    for (let i = 0; i < 3; i++) {
      await createPost(author);
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
          await http.send({ method: 'GET', path: `${listing.path}?limit=1${sortParam}` }),
        ).nextCursor;
        const second = json<{ nextCursor: string }>(
          await http.send({
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
    await fuzz(
      'query strings: limit, sort, cursor, unknown and repeated keys',
      { seed: 0x9e3, numRuns: 1300 },
      fc.record({
        listing: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...listings) },
          { weight: 1, arbitrary: fc.constant(health) },
        ),
        query,
      }),
      async ({ listing, query: q }) => {
        const expected = listing === health ? 200 : expectedListing(listing, q, cursors);
        await expectStatus({ method: 'GET', path: `${listing.path}?${q}` }, expected);
      },
    );
  }, 90_000);

  it('refuses keys that name members of every object (__proto__, constructor, toString, ...) in bodies and query strings', async () => {
    const user = await createUser();
    const post = await createPost(user);
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
    const targets: WriteTarget[] = [
      { route: 'POST /users' },
      { route: 'PATCH /users/:id', id: user },
      { route: 'POST /posts' },
      { route: 'PATCH /posts/:id', id: post },
    ];
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
    await fuzz(
      'prototype member keys in bodies and query strings',
      { seed: 0x9707, numRuns: 400 },
      fc.oneof(inBody, inQuery),
      async (c) => {
        if (c.kind === 'query') {
          await expectStatus({ method: 'GET', path: c.path }, 400);
          return;
        }
        const entries = valid[c.target.route]();
        entries.splice(c.at % (entries.length + 1), 0, [c.key, c.value]);
        const text = objectText(entries);
        const req = writeRequest(c.target, text);
        await expectStatus(req, expectedWrite(c.target, text));
      },
    );
  }, 60_000);

  it('answers any JSON document as a write body by the contract: 400 unless it is a valid object', async () => {
    const user = await createUser();
    const post = await createPost(user);
    const targets: WriteTarget[] = [
      { route: 'POST /users' },
      { route: 'PATCH /users/:id', id: user },
      { route: 'POST /posts' },
      { route: 'PATCH /posts/:id', id: post },
    ];
    const key = fc.oneof(
      fc.constantFrom('username', 'email', 'password', 'body', 'authorId'),
      unknownKey,
    );
    const document = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }),
      fc.dictionary(key, fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }), { maxKeys: 4 }),
    );
    await fuzz(
      'random JSON documents as write bodies',
      { seed: 0x7501, numRuns: 1000 },
      fc.record({ target: fc.constantFrom(...targets), document }),
      async ({ target, document: doc }) => {
        const text = JSON.stringify(doc);
        const req = writeRequest(target, text);
        await expectStatus(req, expectedWrite(target, text));
      },
    );
  }, 60_000);

  it('answers the right keys with wrong, edge or valid values by the contract (400, 409, 422 or success)', async () => {
    const user = await createUser();
    const post = await createPost(user);
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
    const targets: WriteTarget[] = [
      { route: 'POST /users' },
      { route: 'PATCH /users/:id', id: user },
      { route: 'POST /posts' },
      { route: 'PATCH /posts/:id', id: post },
    ];
    const cases = fc.constantFrom(...targets).chain((target) =>
      fieldEntries(target.route, authorIds).map((entries) => ({
        target,
        text: objectText(entries),
      })),
    );
    await fuzz(
      'right keys, wrong types and edge values',
      { seed: 0xf1e1d, numRuns: 2100 },
      cases,
      async ({ target, text: bodyText }) => {
        const req = writeRequest(target, bodyText);
        await expectStatus(req, expectedWrite(target, bodyText));
      },
    );
  }, 120_000);

  it('answers wrong content types, encodings, truncated, oversized and deep bodies with the right 4xx', async () => {
    const user = await createUser();
    const post = await createPost(user);
    let made = 0;
    const bodies: { target: WriteTarget; text: () => string }[] = [
      {
        target: { route: 'POST /users' },
        text: () => JSON.stringify({ username: `wire-${++made}`, email: `wire-${made}@x.io` }),
      },
      { target: { route: 'PATCH /users/:id', id: user }, text: () => '{}' },
      {
        target: { route: 'POST /posts' },
        text: () => JSON.stringify({ body: 'over the wire', authorId: user }),
      },
      {
        target: { route: 'PATCH /posts/:id', id: post },
        text: () => JSON.stringify({ body: 'over the wire' }),
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
    await fuzz(
      'content types, encodings, truncated/oversized/deep bodies',
      { seed: 0x3172e, numRuns: 900 },
      fc.record({
        body: fc.constantFrom(...bodies),
        contentType: fc.constantFrom(...contentTypes),
        mangle,
      }),
      async ({ body, contentType: [type, handling], mangle: m }) => {
        const valid = body.text();
        let payload: string | Buffer = valid;
        const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
        let expected: number | '4xx';
        switch (m.kind) {
          case 'none':
            expected = handling === 'json' ? expectedWrite(body.target, valid) : handling;
            break;
          case 'empty':
            payload = '';
            expected = 400; // no body at all, whatever its type
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
            expected = handling === 'json' ? expectedWrite(body.target, valid) : handling;
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
        const req = writeRequest(body.target, payload, headers);
        if (expected === '4xx') {
          const { res } = await exchange(req);
          if (![400, 413, 415].includes(res.status)) {
            throw failure(req, res, `expected 400, 413 or 415, got ${res.status}`);
          }
        } else {
          await expectStatus(req, expected);
        }
      },
    );
  }, 90_000);

  it('refuses bodies that are not valid UTF-8 (including UTF-8-encoded surrogates) with 400', async () => {
    const user = await createUser();
    const post = await createPost(user);
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
      { target: { route: 'POST /posts' }, entries: [['authorId', user]], field: 'body' },
      { target: { route: 'PATCH /posts/:id', id: post }, entries: [], field: 'body' },
    ];
    await fuzz(
      'bodies that are not valid UTF-8',
      { seed: 0x7f8, numRuns: 300 },
      fc.record({
        target: fc.constantFrom(...targets),
        before: validPostBody,
        bad: fc.constantFrom(...INVALID_UTF8),
      }),
      async ({ target, before, bad }) => {
        // A valid post body with the invalid bytes at its end, inside the JSON string.
        const marked = objectText([...target.entries, [target.field, `${before}\u0001`]]);
        const at = marked.lastIndexOf('\\u0001');
        const payload = Buffer.concat([
          Buffer.from(marked.slice(0, at)),
          bad,
          Buffer.from(marked.slice(at + '\\u0001'.length)),
        ]);
        const req = writeRequest(target.target, payload);
        await expectStatus(req, 400);
      },
    );
  }, 60_000);

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
    await fuzz(
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
        const { res, committed } = await exchange(req);
        if (committed) {
          throw failure(req, res, 'nothing in this property may write');
        }
        if (res.status < 400 && !READS.has(method)) {
          throw failure(req, res, `a ${method} that cannot succeed got ${res.status}`);
        }
      },
    );
  }, 60_000);

  it('stores and returns valid usernames, emails and post bodies exactly, however tricky', async () => {
    const author = await createUser();
    const editable = await createUser();
    const post = await createPost(author);
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
      const expected = expectedWrite(target, text);
      if (![200, 201, 409].includes(expected)) {
        throw new Error(`generated an invalid write (${expected}): ${text}`);
      }
      return expected;
    };
    await fuzz(
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
          const { res } = await expectStatus(writeRequest(target, text), expected);
          if (expected === 409) {
            return; // taken by another user: checked to have changed nothing
          }
          const shown = json<{ id: number }>(res);
          const id = target.id ?? shown.id;
          const row = file.user(id)!;
          const stored = { id, username: row.username, email: row.email };
          const want = {
            id,
            username: fields.username ?? stored.username,
            email: fields.email?.toLowerCase() ?? stored.email,
          };
          const fetched = json(await http.send({ method: 'GET', path: `/users/${id}` }));
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
        const { res } = await expectStatus(writeRequest(target, text), validWrite(target, text));
        const shown = json<{ id: number; body: string; timestamp: string }>(res);
        const id = target.id ?? shown.id;
        const fetched = json<{ body: string }>(
          await http.send({ method: 'GET', path: `/posts/${id}` }),
        );
        const stored = file.post(id)!;
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

  it('never wrote a password hash, or a password it was sent, to its logs', () => {
    const hashes = file
      .users()
      .flatMap((user) => (user.password_hash === null ? [] : [user.password_hash]));
    expect(hashes.length).toBeGreaterThan(0);
    for (const hash of hashes) {
      expect(app.output.includes(hash)).toBe(false);
    }
    expect(app.output).not.toMatch(/scrypt\$|password_hash|"password"/);
  });

  it('logged no error or warning while being fuzzed', () => {
    const problems = app
      .logLines()
      .filter((line) => Number(line.level) >= 40)
      .map(({ msg, err }) => `${String(msg)}: ${String((err as { stack?: string })?.stack)}`);
    expect({ count: problems.length, first: problems.slice(0, 3) }).toEqual({
      count: 0,
      first: [],
    });
  });
});
