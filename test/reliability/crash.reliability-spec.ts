import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  type DatabaseKind,
  migrateToLatest,
  type TestDatabase,
  testDatabaseKinds,
} from '../support/test-database';
import { AppProcess } from './support/app-process';
import { DatabaseFile, type StoredRows } from './support/database-file';
import { HttpClient } from './support/http-client';
import { PostgresRows } from './support/postgres-rows';
import {
  type Account,
  bearer,
  Ledger,
  makeAccounts,
  runWorkload,
  WRITES,
} from './support/workload';

const ROUNDS = 20;
const CONNECTIONS = 16;

/**
 * Each round starts the app on the same database file, sends signed-in writes from 16 virtual
 * users (posts, edits and deletes of their own posts, refreshes, sign-ins, sign-ups), and
 * `kill -9`s it at a random moment between 0.2 and 1.5 s in. The accounts are made once, in the
 * first round, before its load: their tokens are the same after every restart. The next round's
 * start is the proof that the app comes back without repair; the checks below are made after
 * every round. On SQLite once as one process, once as two workers (`WEB_CONCURRENCY=2`) writing
 * to the file together, killed all at once; on PostgreSQL (TEST_POSTGRES_URL), which rolls back
 * what the dead app's connections left open, as one process.
 */
const RUNS: [DatabaseKind, number][] = [
  ['sqlite', 1],
  ['sqlite', 2],
  ...(testDatabaseKinds().includes('postgresql')
    ? [['postgresql', 1] as [DatabaseKind, number]]
    : []),
];

/** The rows `kind` holds now; on SQLite after checking the file's integrity. */
async function withStoredRows<T>(db: TestDatabase, use: (rows: StoredRows) => T): Promise<T> {
  if (db.kind !== 'sqlite') {
    return use(await PostgresRows.read(db.url));
  }
  const file = new DatabaseFile(db.url);
  try {
    expect(file.integrityCheck()).toBe('ok');
    return use(file);
  } finally {
    file.close();
  }
}

describe.each(RUNS)(
  `crash: ${ROUNDS} rounds of signed-in write load ended by kill -9, on %s, %i worker(s)`,
  (kind, workers) => {
    const env = { WEB_CONCURRENCY: String(workers) };
    let db: TestDatabase;
    const rounds: { acknowledged: number; cutOff: number; adopted: number }[] = [];
    const ledger = new Ledger();
    let accounts: Account[] = [];

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      await migrateToLatest(db.url);
    });
    afterAll(() => db?.remove());

    it('keeps every acknowledged write, writes nothing unasked, and restarts cleanly', async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const app = await AppProcess.start(db.url, env);
        const client = new HttpClient(app.port, CONNECTIONS);
        const before = { acknowledged: ledger.acknowledged, cutOff: ledger.cutOff };
        if (round === 1) {
          accounts = await makeAccounts(client, ledger, CONNECTIONS, 'pool');
        }
        const stop = new AbortController();
        const load = runWorkload(client, ledger, {
          accounts,
          mix: WRITES,
          signal: stop.signal,
          tag: `r${round}`,
        });
        await sleep(200 + randomInt(1300));
        stop.abort(); // no new requests; those in flight are cut off by the kill
        const exit = await app.kill();
        await load;
        client.close();
        expect(exit.signal).toBe('SIGKILL');

        // Every acknowledged write is there. A row that was never acknowledged must at least have
        // been asked for: a write whose answer was lost in the kill (it may or may not have
        // committed). From now on it is expected like the others.
        const { problems, adopted } = await withStoredRows(db, (rows) =>
          ledger.reconcile(rows, 'adopt'),
        );
        expect({ round, problems }).toEqual({ round, problems: [] });
        rounds.push({
          acknowledged: ledger.acknowledged - before.acknowledged,
          cutOff: ledger.cutOff - before.cutOff,
          adopted,
        });
      }

      // The last start after the last kill: the app serves what the database holds, and the
      // tokens it issued before the kills still sign its users in.
      const app = await AppProcess.start(db.url, env);
      const client = new HttpClient(app.port);
      try {
        const [id, post] = [...ledger.livePosts()].at(-1)!;
        const res = await client.send({ method: 'GET', path: `/posts/${id}` });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toMatchObject({ id, body: post.body });
        const signedIn = accounts.filter((account) => !account.stale);
        expect(signedIn.length).toBeGreaterThan(0);
        for (const account of signedIn) {
          const me = await client.send({
            method: 'GET',
            path: '/users/me',
            headers: bearer(account.accessToken),
          });
          expect({ status: me.status, id: JSON.parse(me.text).id }).toEqual({
            status: 200,
            id: account.id,
          });
        }
      } finally {
        client.close();
        await app.stop();
      }

      const total = (key: keyof (typeof rounds)[number]) =>
        rounds.reduce((sum, round) => sum + round[key], 0);
      console.log(
        `crash, ${kind}, ${workers} worker(s): ${ROUNDS} rounds, ${total('acknowledged')} acknowledged writes kept, ` +
          `${total('cutOff')} writes cut off in flight (${total('adopted')} rows of them committed), ` +
          `${ledger.responses((s) => s >= 500)} 5xx; ${ledger.summary()}`,
      );
      expect(ledger.responses((status) => status >= 500)).toBe(0);
      expect(ledger.unexpected).toEqual([]);
      expect(ledger.leaks).toEqual([]);
      expect(rounds.filter((r) => r.acknowledged > 0).length).toBeGreaterThan(ROUNDS / 2);
    }, 240_000);
  },
);
