import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, migrateToLatest, type TestDatabase } from '../support/test-database';
import { AppProcess, type Exit } from './support/app-process';
import { DatabaseFile } from './support/database-file';
import { HttpClient } from './support/http-client';
import { Ledger, makeAccounts, MIXED, runWorkload } from './support/workload';

const CONNECTIONS = 32;

/** Whether a new TCP connection to `port` is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** 32 virtual users with accounts made before the load, mixing as in the load test. */
describe('shutdown: SIGTERM in the middle of signed-in load', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let exit: Exit;
  const ledger = new Ledger();
  let answeredAfterSignal = 0;
  let refusedAfterMs: number | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    app = await AppProcess.start(db.url);
    const client = new HttpClient(app.port, CONNECTIONS);
    const accounts = await makeAccounts(client, ledger, CONNECTIONS);
    const stop = new AbortController();
    // The clients go on sending until the process is gone, as real ones would.
    const load = runWorkload(client, ledger, {
      accounts,
      mix: MIXED,
      signal: stop.signal,
    });
    await sleep(2000);
    const answeredBefore = ledger.responses(() => true);
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    while (refusedAfterMs === undefined && Date.now() - signalledAt < 10_000) {
      // One probe every 10 ms: a tight loop would fill the listen backlog, and the kernel
      // would then drop SYNs and retry only after a second.
      await sleep(10);
      if (!(await accepts(app.port))) {
        refusedAfterMs = Date.now() - signalledAt;
      }
    }
    exit = await app.exited;
    answeredAfterSignal = ledger.responses(() => true) - answeredBefore;
    stop.abort();
    await load;
    client.close();
    console.log(
      `shutdown: ${ledger.summary()}; new connections refused ${refusedAfterMs} ms after SIGTERM`,
    );
  }, 60_000);

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await db?.remove();
  });

  it('exits 0 after closing the database', () => {
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.output).toContain('SIGTERM: finishing requests in flight, then closing');
    expect(app.output).toContain('Closed: requests finished, database connection closed');
    // SQLite folds the write-ahead log back into the file when its last connection closes.
    expect(existsSync(`${db.url}-wal`)).toBe(false);
  });

  it('refuses new connections as soon as it has the signal', () => {
    expect(refusedAfterMs).toBeLessThan(1000);
  });

  it('answers the requests it had accepted, none with a 5xx', () => {
    expect(answeredAfterSignal).toBeGreaterThanOrEqual(0);
    expect(ledger.responses((status) => status >= 500)).toBe(0);
    expect(ledger.unexpected).toEqual([]);
    expect(ledger.leaks).toEqual([]);
    const errors = [...ledger.errors.keys()];
    expect(errors.filter((e) => !['ECONNREFUSED', 'ECONNRESET'].includes(e))).toEqual([]);
  });

  it('never logs a password, a token or the JWT secret, shutting down or not', () => {
    expect(app.secretLines(ledger.secrets)).toEqual([]);
  });

  it('loses no acknowledged write, and commits none it did not acknowledge', () => {
    const file = new DatabaseFile(db.url);
    try {
      expect(file.integrityCheck()).toBe('ok');
      expect(ledger.reconcile(file, 'exact').problems).toEqual([]);
    } finally {
      file.close();
    }
  });
});
