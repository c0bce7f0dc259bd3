import { STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import {
  createTestDatabase,
  migrateToLatest,
  type TestDatabase,
} from '../../support/test-database';
import { AppProcess } from './app-process';
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
 *   JSON, and neither a rejected request nor a read commits anything (SQLite's `data_version`,
 *   read on a second connection, moves only when another connection commits);
 * - the status the README's contract gives for that input (`expectedWrite` in fuzz-contract.ts,
 *   `expectedId` and `expectedListing` in the specs): models written from the README, not from
 *   the code under test.
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
export class FuzzSession {
  app!: AppProcess;
  /** The app's API, on one connection: the cases are sent one at a time. */
  http!: HttpClient;
  /** A second connection to the app's database file, for the models and the checks. */
  file!: DatabaseFile;
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
  async expectStatus(req: HttpRequest, status: number): Promise<Exchange> {
    const outcome = await this.exchange(req);
    if (outcome.res.status !== status) {
      throw failure(req, outcome.res, `expected ${status}, got ${outcome.res.status}`);
    }
    if ((status === 201 || status === 204) && !outcome.committed) {
      throw failure(req, outcome.res, `acknowledged with ${status} but nothing was committed`);
    }
    return outcome;
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

  async createUser(): Promise<number> {
    const username = `fz-fixture-${++this.fixturesMade}`;
    const res = await this.http.send({
      method: 'POST',
      path: '/users',
      body: { username, email: `${username}@fixture.test` },
    });
    if (res.status !== 201) {
      throw new Error(`fixture user: ${res.status} ${res.text}`);
    }
    return json<{ id: number }>(res).id;
  }

  async createPost(authorId: number, body = `fixture post ${++this.fixturesMade}`) {
    const res = await this.http.send({ method: 'POST', path: '/posts', body: { body, authorId } });
    if (res.status !== 201) {
      throw new Error(`fixture post: ${res.status} ${res.text}`);
    }
    return json<{ id: number }>(res).id;
  }
}

export interface FuzzingOptions {
  /**
   * Some property stores a user with a password, so that the log check has password hashes to
   * look for: it fails if there are none.
   */
  storesPasswords?: boolean;
}

/**
 * `describe('bad input: property-based fuzzing of <subject>')` around the properties that
 * `properties` declares, on a `FuzzSession` of their own: the app starts on a fresh database
 * before them, its logs are checked after them, and the cases per property are printed at the
 * end, before the app stops and its database is removed. `options` may come before `properties`.
 */
export function describeFuzzing(
  subject: string,
  ...args:
    | [properties: (session: FuzzSession) => void]
    | [options: FuzzingOptions, properties: (session: FuzzSession) => void]
): void {
  const [{ storesPasswords = false }, properties] = args.length === 1 ? [{}, args[0]] : args;
  describe(`bad input: property-based fuzzing of ${subject}`, () => {
    const session = new FuzzSession();

    beforeAll(() => session.start(), 60_000);

    afterAll(async () => {
      console.log(session.report(`bad input fuzzing of ${subject}`));
      await session.stop();
    }, 30_000);

    properties(session);

    it('never wrote a password hash, or a password it was sent, to its logs', () => {
      const { app, file } = session;
      const hashes = file
        .users()
        .flatMap((user) => (user.password_hash === null ? [] : [user.password_hash]));
      expect(hashes.length).toBeGreaterThanOrEqual(storesPasswords ? 1 : 0);
      for (const hash of hashes) {
        expect(app.output.includes(hash)).toBe(false);
      }
      expect(app.output).not.toMatch(/scrypt\$|password_hash|"password"/);
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
