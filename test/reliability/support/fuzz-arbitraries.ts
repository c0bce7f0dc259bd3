import fc from 'fast-check';
import {
  chars,
  emailOk,
  isPrototypeKey,
  PASSWORD_CHARS,
  passwordOk,
  POST_MAX_CHARS,
  postBodyOk,
  WRITE_FIELDS,
  type WriteRoute,
} from './fuzz-contract';

/*
 * Generators of the bad (and the valid but tricky) input the fuzzing properties send, and the
 * helpers that write JSON text JSON.stringify cannot (big numbers, `__proto__` and duplicate keys).
 */

/** A JSON value written out as text, for what JSON.stringify cannot say (2**53+1, 1e400). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The credentials of a fixture account, as they are when a case runs. */
export interface Owner {
  username: string;
  email: string;
  password: string;
}

/**
 * One of the owner's credentials, filled in when the case runs: generators run before the cases
 * that may change them (a new password, a new username). `EMAIL` is the email in upper case.
 */
export class OwnerValue {
  constructor(readonly field: 'username' | 'email' | 'EMAIL' | 'password') {}

  of(owner: Owner): string {
    return this.field === 'EMAIL' ? owner.email.toUpperCase() : owner[this.field];
  }
}

function toJson(value: unknown, owner?: Owner): string {
  if (value instanceof OwnerValue) {
    if (!owner) {
      throw new Error(`no owner to take the ${value.field} of`);
    }
    return JSON.stringify(value.of(owner));
  }
  return value instanceof RawJson ? value.text : JSON.stringify(value);
}

/** An object's JSON text with one more field, its value given as JSON text. */
export function withField(objectJson: string, key: string, valueJson: string): string {
  const field = `${JSON.stringify(key)}:${valueJson}`;
  return objectJson === '{}' ? `{${field}}` : `${objectJson.slice(0, -1)},${field}}`;
}

/**
 * An object as JSON text from its entries: keeps `__proto__` keys and duplicate keys, and fills
 * in `OwnerValue`s from `owner`.
 */
export function objectText(entries: [string, unknown][], owner?: Owner): string {
  const fields = entries.map(([key, value]) => `${JSON.stringify(key)}:${toJson(value, owner)}`);
  return `{${fields.join(',')}}`;
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
export const validPostBody = fc
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

export const validUsername = fc.oneof(
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
export const validEmail = fc
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

export const validPassword = fc.oneof(
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
  ...'author authorId user_id userId sub sid accessToken USERNAME é $where'.split(' '),
  ...['username[$ne]', 'body ', '', ' ', '\0'],
];
export const unknownKey = fc.oneof(
  fc.constantFrom(...UNKNOWN_KEYS),
  fc.string({ unit: 'grapheme', maxLength: 10 }).filter((key) => !isPrototypeKey(key)),
);

/** A refresh token's shape (43 base64url characters), but none the app issued. */
export const unknownRefreshToken = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));

const badRefreshToken = fc.oneof(
  fc.constantFrom('', 'x', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`, 'null'),
  unknownRefreshToken.map((token) => `${token.slice(0, 42)}+`),
  unknownRefreshToken.map((token) => `${token}\0`),
  fc.string({ maxLength: 50 }),
);

/**
 * The entries of a body for `route`: each field valid, invalid, of the wrong type or absent. A
 * password (or `login`, `currentPassword`) may be the owner's, filled in when the case runs
 * (`OwnerValue`). Valid passwords cost a password hash (20-40 ms) wherever they reach one, so
 * they are rare but where they are required.
 */
export function fieldEntries(route: WriteRoute) {
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
  const owner = (field: OwnerValue['field']) => fc.constant(new OwnerValue(field));
  const password: Partial<Record<WriteRoute, fc.Arbitrary<unknown>>> = {
    // Required for a sign-up.
    'POST /users': fc.oneof(
      { weight: 6, arbitrary: validPassword },
      { weight: 2, arbitrary: invalidPassword },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    // Rare: a new password costs two hashes (checking the current one, hashing the new one).
    'PATCH /users/:id': fc.oneof(
      { weight: 85, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: validPassword },
      { weight: 8, arbitrary: invalidPassword },
      { weight: 4, arbitrary: wrongType },
    ),
    // The owner's, or a wrong one; checked against a hash even when no one has the login.
    'POST /auth/login': fc.oneof(
      { weight: 3, arbitrary: owner('password') },
      { weight: 2, arbitrary: fc.oneof(validPassword, fc.constantFrom('x', 'short')) },
      { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(257), '\0'.repeat(8), 'pw \ud800') },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
  };
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    username: choose(validUsername, invalidUsername, route === 'PATCH /users/:id' ? 4 : 1),
    email: choose(validEmail, invalidEmail, route === 'PATCH /users/:id' ? 4 : 1),
    password: password[route] ?? fc.constant(undefined),
    // Needed for a new email or password: the owner's, a wrong one, an invalid one, or none.
    currentPassword: fc.oneof(
      { weight: 4, arbitrary: owner('password') },
      { weight: 1, arbitrary: fc.oneof(validPassword, fc.constantFrom('', 'x')) },
      { weight: 1, arbitrary: fc.constantFrom('x'.repeat(257), 'pw\0pw', 'pw \udfff') },
      { weight: 1, arbitrary: wrongType },
      { weight: 3, arbitrary: fc.constant(undefined) },
    ),
    body: choose(validPostBody, invalidPostBody),
    // A sign-in's: the owner's, or anyone's or no one's, or invalid.
    login: fc.oneof(
      {
        weight: 3, // the owner's username, or email in any case
        arbitrary: fc.constantFrom(
          new OwnerValue('username'),
          new OwnerValue('email'),
          new OwnerValue('EMAIL'),
        ),
      },
      { weight: 2, arbitrary: fc.oneof(validUsername, validEmail) },
      { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(121), 'john\0', 'pw \ud800') },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    refreshToken: choose(unknownRefreshToken, badRefreshToken),
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

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/**
 * Whose credentials a case is sent with: the owner's valid access token (of the user or post it
 * is for), another account's, none, or an `Authorization` header that is no valid token.
 */
export type Credentials =
  { as: 'owner' } | { as: 'other' } | { as: 'nobody' } | { as: 'bad'; authorization: string };

/**
 * `Authorization` values that are no valid access token: `known` ones made against the running
 * app (signed out, forged, tampered, expired...), and any text a client could send.
 */
export function badAuthorization(known: string[]): fc.Arbitrary<string> {
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 60,
  });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        'Bearer null',
        'Bearer undefined',
        'Bearer a.b.c',
        'Bearer eyJ.eyJ.',
        'Bearer ====',
        'Basic dXNlcjpwYXNzd29yZA==',
        'Digest username="john"',
        'Token abc',
        'Bearer\tabc',
        `Bearer ${'A'.repeat(4000)}`,
      ),
    },
    { weight: 1, arbitrary: printable },
    { weight: 1, arbitrary: printable.map((text) => `Bearer ${text}`) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.base64String({ minLength: 4, maxLength: 40 }), { minLength: 3, maxLength: 3 })
        .map((parts) => `Bearer ${parts.join('.').replace(/=/g, '')}`),
    },
  );
}

/** Credentials, mostly the owner's, that a property sends its cases with. */
export function credentials(known: string[]): fc.Arbitrary<Credentials> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ as: 'owner' as const }) },
    { weight: 1, arbitrary: fc.constant({ as: 'other' as const }) },
    { weight: 1, arbitrary: fc.constant({ as: 'nobody' as const }) },
    {
      weight: 2,
      arbitrary: badAuthorization(known).map((authorization) => ({
        as: 'bad' as const,
        authorization,
      })),
    },
  );
}
