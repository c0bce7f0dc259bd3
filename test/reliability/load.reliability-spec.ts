import { createTestDatabase, migrateToLatest, type TestDatabase } from '../support/test-database';
import { AppProcess } from './support/app-process';
import { DatabaseFile } from './support/database-file';
import { HttpClient } from './support/http-client';
import { Ledger, makeAccounts, MIXED, runWorkload } from './support/workload';

const CONNECTIONS = 64;
const DURATION_MS = 30_000;

/**
 * 64 virtual users, each with an account made before the load (sign-up with a password and
 * sign-in: two password hashes each, so not inside the timed part), write, edit and delete their
 * own posts with their bearer tokens, read, refresh their tokens, sign out and in again, try
 * someone else's posts and accounts and tokenless writes (refused), and now and then sign up
 * another account or delete their own and start over. Once as one process, once as two workers
 * (`WEB_CONCURRENCY=2`) sharing the SQLite file.
 */
describe.each([1, 2])(
  'load: 64 signed-in connections mixing writes, reads, sign-ins and deletes for 30 s, %i worker(s)',
  (workers) => {
    let db: TestDatabase;
    let app: AppProcess;
    const ledger = new Ledger();

    beforeAll(async () => {
      db = await createTestDatabase('sqlite');
      await migrateToLatest(db.url);
      app = await AppProcess.start(db.url, { WEB_CONCURRENCY: String(workers) });
      const client = new HttpClient(app.port, CONNECTIONS);
      try {
        const accounts = await makeAccounts(client, ledger, CONNECTIONS);
        await runWorkload(client, ledger, {
          accounts,
          mix: MIXED,
          signal: AbortSignal.timeout(DURATION_MS),
        });
      } finally {
        client.close();
      }
      await app.stop();
      console.log(`load, ${workers} worker(s): ${ledger.summary()}`);
    }, DURATION_MS + 60_000);

    afterAll(async () => {
      await app?.stop('SIGKILL');
      await db?.remove();
    });

    it('answers every request as the rules say: no 5xx, no connection errors', () => {
      expect(ledger.requests).toBeGreaterThan(1000);
      expect(ledger.responses((status) => status >= 500)).toBe(0);
      expect(Object.fromEntries(ledger.errors)).toEqual({});
      expect(ledger.unexpected).toEqual([]);
      expect(ledger.responses((status) => status === 201)).toBeGreaterThan(100);
      expect(ledger.deletedPosts.size).toBeGreaterThan(0);
      expect(ledger.deletedUsers.size).toBeGreaterThan(0);
      const kinds = ['edits', 'refreshes', 'sign-outs', 'sign-ins', 'sign-ups', 'refusals'];
      expect(kinds.filter((kind) => !ledger.done.get(kind))).toEqual([]); // each done at least once
      expect(ledger.responses((status) => status === 401)).toBeGreaterThan(0);
      expect(ledger.responses((status) => status === 403)).toBeGreaterThan(0);
    });

    it('stores exactly the acknowledged writes, and nothing else', () => {
      const file = new DatabaseFile(db.url);
      try {
        expect(file.integrityCheck()).toBe('ok');
        expect(ledger.reconcile(file, 'exact').problems).toEqual([]);
      } finally {
        file.close();
      }
    });

    it('logs one JSON line per request with method, path, status, ms and request id', () => {
      const requestLines = app.logLines().filter((line) => line.msg === 'request completed');
      expect(requestLines).toHaveLength(ledger.requests);
      expect(requestLines[0]).toEqual({
        level: 30,
        time: expect.any(Number),
        pid: expect.any(Number),
        hostname: expect.any(String),
        req: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          method: expect.any(String),
          path: expect.stringMatching(/^\//),
        },
        res: { status: expect.any(Number) },
        ms: expect.any(Number),
        msg: 'request completed',
      });
    });

    it('never shows a password, a hash, a token or the JWT secret, in responses or logs', () => {
      expect(ledger.leaks).toEqual([]);
      const file = new DatabaseFile(db.url);
      const hashes = file.users().map((u) => u.password_hash ?? '');
      file.close();
      expect(hashes.length).toBeGreaterThan(0);
      expect(ledger.secrets.size).toBeGreaterThan(ledger.users.size * 2);
      expect(app.secretLines([...hashes, ...ledger.secrets])).toEqual([]);
    });
  },
);
