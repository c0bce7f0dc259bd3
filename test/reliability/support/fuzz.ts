import { createHmac, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import { ACCESS_TOKEN_TYPE, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../src/auth/auth.options';
import { SECRET_PATTERN } from '../../support/api';
import {
  createTestDatabase,
  migrateToLatest,
  type TestDatabase,
} from '../../support/test-database';
import { AppProcess, JWT_SECRET } from './app-process';
import type { Credentials, Owner } from './fuzz-arbitraries';
import {
  ABSENT_IDS,
  type Actor,
  BEARER_CHALLENGE,
  type ContractState,
  expectedWrite,
  writeRequest,
  writesOnSuccess,
  type WriteTarget,
} from './fuzz-contract';
import { DatabaseFile } from './database-file';
import { HttpClient, json, type HttpRequest, type HttpResponse } from './http-client';

/*
 * Bad input (issue 7): property-based fuzzing of every endpoint of the built app, running as a
 * real process on a temp SQLite file. The `fuzz-*.reliability-spec.ts` files each fuzz one part
 * of the API, on an app and a database of their own (`describeFuzzing`), so that any of them
 * runs alone and in any order. Every property sends its cases one at a time and checks:
 *
 * - the oracle every response must pass (`FuzzSession.exchange`): it arrives within
 *   RESPONSE_TIMEOUT_MS, it is never a 5xx, a 4xx is exactly `{ statusCode, error, message }` in
 *   JSON, a 401 says `WWW-Authenticate: Bearer`, no answer shows a password, a hash or a token
 *   (but a sign-in's its tokens) or an email (but the user's own account), and neither a
 *   rejected request nor a read commits anything (SQLite's `data_version`, read on a second
 *   connection, moves only when another connection commits);
 * - the status the README's contract gives for that input and those credentials (`expectedWrite`
 *   in fuzz-contract.ts, `expectedId` and `expectedListing` in the specs): models written from
 *   the README, not from the code under test.
 *
 * The writes are sent as fixture accounts, signed up and in through the API: mostly as the owner
 * of what they change, also as another account (403), without a token, and with `Authorization`
 * headers that are no valid token (401): signed out, forged, expired, tampered (made at the start
 * of every session, `badAuthorizations`), or any text.
 *
 * Seeds are fixed, so a run is reproducible; a failure prints fast-check's shrunk counterexample
 * and the request and response it made.
 */

/** A hang fails the case: no response within this time is an error, not a wait. */
const RESPONSE_TIMEOUT_MS = 5000;

export interface Exchange {
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

export function failure(req: HttpRequest, res: HttpResponse | undefined, problem: string): Error {
  const answer = res ? `\n  -> ${res.status} ${res.text.slice(0, 600)}` : '';
  return new Error(`${problem}\n  ${describeRequest(req)}${answer}`);
}

export const READS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Passwords and hashes: what no answer shows, not even a sign-in's (which has tokens). */
const PASSWORD_OR_HASH = /"password\w*"\s*:|password_hash|scrypt\$|\$argon2id\$/i;

/** A user the session signed up and in, with its credentials as they are now. */
export interface FuzzAccount extends Owner {
  id: number;
  accessToken: string;
  refreshToken: string;
}

/** A request's body as text ('' for none). */
function bodyText({ body }: HttpRequest): string {
  if (body === undefined) {
    return '';
  }
  return typeof body === 'string' || Buffer.isBuffer(body) ? body.toString() : JSON.stringify(body);
}

/** The passwords a JSON request body gives (8 characters or more: short ones are everywhere). */
function sentPasswords(req: HttpRequest): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(req));
  } catch {
    return [];
  }
  const { password, currentPassword } = (parsed ?? {}) as Record<string, unknown>;
  return [password, currentPassword].filter(
    (value): value is string => typeof value === 'string' && value.length >= 8,
  );
}

/** Who a case is sent as: its `Authorization` header (if any), and who that is for the model. */
export interface Sender {
  auth: Record<string, string>;
  actor: Actor;
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

const HMAC: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/**
 * A JWT with these claims and this header, signed with `secret` (the app's `JWT_SECRET` unless
 * told), for access tokens that are right in every way but one.
 */
export function signToken(
  claims: Record<string, unknown>,
  {
    secret = JWT_SECRET,
    header = { alg: 'HS256', typ: ACCESS_TOKEN_TYPE },
  }: { secret?: string; header?: Record<string, string> } = {},
): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signed = `${encode(header)}.${encode(claims)}`;
  const hash = HMAC[header.alg];
  return `${signed}.${hash ? createHmac(hash, secret).update(signed).digest('base64url') : ''}`;
}

/** The claims of an access token, read without verifying it. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** What one property ran, for the summary printed at the end. */
interface PropertyRun {
  property: string;
  cases: number;
  passed: boolean;
  requests: number;
  seconds: number;
}

/**
 * The built app as a real process on a fresh, migrated SQLite file of its own, with the oracle
 * every exchange goes through, the fixtures made through its API, and a record of the cases and
 * requests each property ran. `start` and `stop` are called by `describeFuzzing`; everything else
 * is for the properties, once it has started.
 */
export class FuzzSession implements ContractState {
  app!: AppProcess;
  /** The app's API, on one connection: the cases are sent one at a time. */
  http!: HttpClient;
  /** A second connection to the app's database file, for the models and the checks. */
  file!: DatabaseFile;
  /** Every user's password, as the app was given it: what the models check sign-ins with. */
  readonly passwords = new Map<number, string>();
  /** Every token and password the session used or got, for the log check. */
  readonly secrets = new Set<string>();
  /** `Authorization` values that are no valid token, made against the app (see `start`). */
  badAuthorizations: string[] = [];
  private readonly accounts = new Map<number, FuzzAccount>();
  private db?: TestDatabase;
  private requestsSent = 0;
  private fixturesMade = 0;
  private readonly summary: PropertyRun[] = [];

  async start(): Promise<void> {
    this.db = await createTestDatabase('sqlite');
    await migrateToLatest(this.db.url);
    this.app = await AppProcess.start(this.db.url);
    this.http = new HttpClient(this.app.port, 1);
    this.file = new DatabaseFile(this.db.url);
    this.badAuthorizations = await this.makeBadAuthorizations();
  }

  async stop(): Promise<void> {
    this.http?.close();
    this.file?.close();
    await this.app?.stop();
    await this.db?.remove();
  }

  // -------------------------------------------------------------------------------------------
  // The oracle every exchange goes through
  // -------------------------------------------------------------------------------------------

  /**
   * Sends one request and checks what every answer must satisfy, whatever the input: it comes in
   * time, it is not a 5xx, a 4xx is a JSON error with exactly the three fields, and a rejected
   * request or a read leaves the database as it was.
   */
  async exchange(req: HttpRequest): Promise<Exchange> {
    const before = this.file.dataVersion();
    this.requestsSent++;
    let res: HttpResponse;
    try {
      res = await this.http.send({ timeoutMs: RESPONSE_TIMEOUT_MS, ...req });
    } catch (err) {
      const { exitCode, signalCode } = this.app.child;
      const died =
        exitCode === null && signalCode === null
          ? ''
          : `; the app exited (${exitCode ?? signalCode}), its last output:\n${this.app.output.slice(-3000)}`;
      throw failure(
        req,
        undefined,
        `no response: ${err instanceof Error ? err.message : String(err)}${died}`,
      );
    }
    const committed = this.file.dataVersion() !== before;
    if (res.status >= 500) {
      throw failure(req, res, 'server error');
    }
    const { 'www-authenticate': challenge, ...headers } = res.headers;
    if (res.status === 401 && !BEARER_CHALLENGE.test(String(challenge))) {
      throw failure(req, res, `a 401 with WWW-Authenticate ${String(challenge)}`);
    }
    // A password field, a hash, a token, or a password the request sent. Error messages may
    // name what the request sent (`property password_hash should not exist`): that is no leak.
    // The API's documentation describes these fields, so it is left out; a sign-in's answer
    // is its tokens.
    const shown = `${JSON.stringify(headers)}${res.text}`;
    const path = req.path.split('?')[0];
    const tokens = res.status === 200 && ['/auth/login', '/auth/refresh'].includes(path);
    const pattern = new RegExp(tokens ? PASSWORD_OR_HASH : SECRET_PATTERN, 'gi');
    const sent = `${req.path}${bodyText(req)}`;
    const leaked = [...shown.matchAll(pattern)].some(([match]) => !sent.includes(match));
    if (
      !path.startsWith('/docs') &&
      (leaked || sentPasswords(req).some((p) => shown.includes(p)))
    ) {
      throw failure(req, res, 'a password, a hash or a token in the response');
    }
    // Only the user's own account shows an email: GET /users/me, and their own PATCH.
    const ownAccount = path === '/users/me' || (req.method === 'PATCH' && /^\/users\//.test(path));
    if (
      res.status < 300 &&
      !ownAccount &&
      !path.startsWith('/docs') &&
      /"email"\s*:/.test(res.text)
    ) {
      throw failure(req, res, 'an email in a public answer');
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

  /**
   * `exchange`, and the status must be the one the contract gives. A 201 or a 204 must have
   * committed something, unless `writes` says otherwise (false: must not; undefined: may).
   */
  async expectStatus(
    req: HttpRequest,
    status: number,
    writes: boolean | undefined = status === 201 || status === 204 ? true : undefined,
  ): Promise<Exchange> {
    const outcome = await this.exchange(req);
    if (outcome.res.status !== status) {
      throw failure(req, outcome.res, `expected ${status}, got ${outcome.res.status}`);
    }
    if (writes === true && !outcome.committed) {
      throw failure(req, outcome.res, `acknowledged with ${status} but nothing was committed`);
    }
    if (writes === false && outcome.committed) {
      throw failure(req, outcome.res, `answered ${status}, which changes nothing, but committed`);
    }
    return outcome;
  }

  /**
   * Sends `text` to `target` as JSON, as `sender`: its status must be the one the contract's
   * model gives. What an acknowledged write changed that the models need (a new user's password,
   * a fixture account's new credentials) is kept.
   */
  async expectWrite(
    target: WriteTarget,
    text: string,
    sender: Sender,
    headers?: Record<string, string>,
  ): Promise<Exchange> {
    const expected = expectedWrite(this, target, text, sender.actor);
    const outcome = await this.expectStatus(
      writeRequest(target, text, headers, sender.auth),
      expected,
      writesOnSuccess(target, expected),
    );
    if (outcome.res.status < 300) {
      this.learn(target, JSON.parse(text) as Record<string, unknown>, outcome.res);
    }
    return outcome;
  }

  /** Keeps what the models need of an acknowledged write. */
  learn(target: WriteTarget, body: Record<string, unknown>, res: HttpResponse): void {
    const password = typeof body.password === 'string' ? body.password : undefined;
    switch (target.route) {
      case 'POST /users':
        this.passwords.set(json<{ id: number }>(res).id, password!);
        this.secrets.add(password!);
        break;
      case 'PATCH /users/:id': {
        const account = this.accounts.get(target.id!);
        if (password !== undefined) {
          this.passwords.set(target.id!, password);
          this.secrets.add(password);
        }
        if (account) {
          const { username, email } = json<{ username: string; email: string }>(res);
          Object.assign(account, { username, email, password: password ?? account.password });
        }
        break;
      }
      case 'POST /auth/login': {
        const tokens = json<{ accessToken: string; refreshToken: string }>(res);
        this.secrets.add(tokens.accessToken).add(tokens.refreshToken);
        break;
      }
      default:
        break;
    }
  }

  /**
   * The `Authorization` header `credentials` stand for, and who that is for the model: `owner`
   * or `other`'s valid token, none, or a header that is no valid token.
   */
  sender(credentials: Credentials, owner: FuzzAccount, other: FuzzAccount): Sender {
    switch (credentials.as) {
      case 'owner':
        return { auth: bearer(owner.accessToken), actor: { userId: owner.id } };
      case 'other':
        return { auth: bearer(other.accessToken), actor: { userId: other.id } };
      case 'nobody':
        return { auth: {}, actor: undefined };
      case 'bad':
        return { auth: { authorization: credentials.authorization }, actor: undefined };
    }
  }

  // -------------------------------------------------------------------------------------------
  // The properties, and what they ran
  // -------------------------------------------------------------------------------------------

  /**
   * Runs one property with its own seed and records how many cases it ran, for the summary printed
   * at the end (the README quotes it).
   */
  async fuzz<T>(
    property: string,
    { seed, numRuns }: { seed: number; numRuns: number },
    arbitrary: fc.Arbitrary<T>,
    predicate: (value: T) => Promise<void>,
  ): Promise<void> {
    const started = Date.now();
    const sentBefore = this.requestsSent;
    let passed = false;
    try {
      await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed, numRuns });
      passed = true;
    } finally {
      this.summary.push({
        property,
        cases: numRuns,
        passed,
        requests: this.requestsSent - sentBefore,
        seconds: (Date.now() - started) / 1000,
      });
    }
  }

  /** The cases, requests and seconds of every property run so far, and their total. */
  report(title: string): string {
    const { summary } = this;
    // A property that failed stopped at its first counterexample: its cases are not counted.
    const total = summary.reduce((sum, row) => sum + (row.passed ? row.cases : 0), 0);
    const requests = summary.reduce((sum, row) => sum + row.requests, 0);
    const seconds = summary.reduce((sum, row) => sum + row.seconds, 0);
    const width = Math.max(...summary.map((row) => row.property.length), 5);
    const line = (name: string, cases: string, sent: number, s: number) =>
      `  ${name.padEnd(width)}  ${cases.padStart(6)} cases  ${String(sent).padStart(6)} requests` +
      `  ${s.toFixed(1).padStart(5)} s`;
    return [
      `${title}, cases per property:`,
      ...summary.map((row) =>
        line(row.property, row.passed ? String(row.cases) : 'FAILED', row.requests, row.seconds),
      ),
      line('total', String(total), requests, seconds),
    ].join('\n');
  }

  // -------------------------------------------------------------------------------------------
  // Fixtures, made through the API like any client would
  // -------------------------------------------------------------------------------------------

  /** A new user with a password, signed in: one session, whose tokens the cases use. */
  async createAccount(): Promise<FuzzAccount> {
    const username = `fz-fixture-${++this.fixturesMade}`;
    const email = `${username}@fixture.test`;
    const password = `fixture-password-${this.fixturesMade}-${randomUUID()}`;
    const res = await this.http.send({
      method: 'POST',
      path: '/users',
      body: { username, email, password },
    });
    if (res.status !== 201) {
      throw new Error(`fixture user: ${res.status} ${res.text}`);
    }
    const { id } = json<{ id: number }>(res);
    this.passwords.set(id, password);
    this.secrets.add(password);
    const account: FuzzAccount = {
      id,
      username,
      email,
      password,
      ...(await this.signIn(username, password)),
    };
    this.accounts.set(id, account);
    return account;
  }

  /** Signs in (a new session): its tokens. */
  async signIn(login: string, password: string) {
    const res = await this.http.send({
      method: 'POST',
      path: '/auth/login',
      body: { login, password },
    });
    if (res.status !== 200) {
      throw new Error(`fixture sign-in: ${res.status} ${res.text}`);
    }
    const tokens = json<{ accessToken: string; refreshToken: string }>(res);
    this.secrets.add(tokens.accessToken).add(tokens.refreshToken);
    return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  }

  /** Two accounts: the owner of what a property's cases change, and someone else. */
  async accountPair(): Promise<[FuzzAccount, FuzzAccount]> {
    return [await this.createAccount(), await this.createAccount()];
  }

  async createPost(author: FuzzAccount, body = `fixture post ${++this.fixturesMade}`) {
    const res = await this.http.send({
      method: 'POST',
      path: '/posts',
      body: { body },
      headers: bearer(author.accessToken),
    });
    if (res.status !== 201) {
      throw new Error(`fixture post: ${res.status} ${res.text}`);
    }
    return json<{ id: number }>(res).id;
  }

  /**
   * `Authorization` values that are no valid access token, each wrong in one way: the token of
   * a session that was signed out, tokens signed with another key or algorithm or none, expired,
   * not yet valid, of another type, issuer or audience, naming another user or no user, with a
   * claim missing or of the wrong type, altered, a refresh token, no `Bearer`. A token forged
   * right is checked to be accepted first, so that each of these is refused for its one fault.
   */
  private async makeBadAuthorizations(): Promise<string[]> {
    const [account, other] = await this.accountPair();
    const signedOut = await this.signIn(account.username, account.password);
    const logout = await this.http.send({
      method: 'POST',
      path: '/auth/logout',
      body: { refreshToken: signedOut.refreshToken },
      headers: bearer(signedOut.accessToken),
    });
    if (logout.status !== 204) {
      throw new Error(`fixture sign-out: ${logout.status} ${logout.text}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = (changes: Record<string, unknown> = {}) => ({
      sid: claimsOf(account.accessToken).sid,
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: String(account.id),
      iat: now,
      exp: now + 600,
      jti: randomUUID(),
      ...changes,
    });
    const right = await this.http.send({
      method: 'GET',
      path: '/users/me',
      headers: bearer(signToken(claims())),
    });
    if (right.status !== 200) {
      throw new Error(`a token forged right is refused: ${right.status} ${right.text}`);
    }
    const [header, payload, signature] = account.accessToken.split('.');
    const otherPayload = Buffer.from(JSON.stringify(claims({ sub: String(other.id) }))).toString(
      'base64url',
    );
    // The first character: the last one of 43 carries 2 bits that decoding ignores.
    const flip = (text: string) => `${text.startsWith('A') ? 'B' : 'A'}${text.slice(1)}`;
    const tokens = [
      signedOut.accessToken,
      signToken(claims(), { secret: `not the ${JWT_SECRET}` }),
      signToken(claims(), { header: { alg: 'HS512', typ: ACCESS_TOKEN_TYPE } }),
      signToken(claims(), { header: { alg: 'none', typ: ACCESS_TOKEN_TYPE } }),
      signToken(claims(), { header: { alg: 'HS256', typ: 'JWT' } }),
      signToken(claims({ iat: now - 3600, exp: now - 60 })),
      signToken(claims({ nbf: now + 3600 })),
      signToken(claims({ iss: 'someone-else' })),
      signToken(claims({ aud: 'another-api' })),
      signToken(claims({ sub: String(other.id) })), // the account's session, another user
      signToken(claims({ sub: String(ABSENT_IDS.min) })),
      signToken(claims({ sub: '01' })),
      signToken(claims({ sid: String(claimsOf(account.accessToken).sid) })),
      signToken(claims({ sid: undefined })),
      signToken(claims({ exp: undefined })),
      `${header}.${payload}.${flip(signature)}`,
      `${header}.${otherPayload}.${signature}`,
      `${header}.${payload}`,
      account.refreshToken,
    ];
    for (const token of tokens) {
      this.secrets.add(token);
    }
    return [
      ...tokens.map((token) => `Bearer ${token}`),
      account.accessToken, // no scheme
      `Bearer ${account.accessToken} ${account.accessToken}`,
      `Bearer ${account.accessToken}.`,
    ];
  }
}

/**
 * `describe('bad input: property-based fuzzing of <subject>')` around the properties that
 * `properties` declares, on a `FuzzSession` of their own: the app starts on a fresh database
 * before them, its logs are checked after them, and the cases per property are printed at the
 * end, before the app stops and its database is removed.
 */
export function describeFuzzing(subject: string, properties: (session: FuzzSession) => void): void {
  describe(`bad input: property-based fuzzing of ${subject}`, () => {
    const session = new FuzzSession();

    beforeAll(() => session.start(), 60_000);

    afterAll(async () => {
      console.log(session.report(`bad input fuzzing of ${subject}`));
      await session.stop();
    }, 30_000);

    properties(session);

    it('never wrote a password, a hash, a token or the JWT secret to its logs', () => {
      const { app, file } = session;
      const hashes = file
        .users()
        .flatMap((user) => (user.password_hash === null ? [] : [user.password_hash]));
      expect(hashes.length).toBeGreaterThan(0);
      expect(session.secrets.size).toBeGreaterThan(0);
      expect(app.secretLines([...hashes, ...session.secrets])).toEqual([]);
    });

    it('logged no error or warning while being fuzzed', () => {
      const problems = session.app
        .logLines()
        .filter((line) => Number(line.level) >= 40)
        .map(({ msg, err }) => `${String(msg)}: ${String((err as { stack?: string })?.stack)}`);
      expect({ count: problems.length, first: problems.slice(0, 3) }).toEqual({
        count: 0,
        first: [],
      });
    });
  });
}
