import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type QueryResult, SqliteDialect } from 'kysely';
import { LockWaitingConnection } from './sqlite-lock-wait';

const INSERT = CompiledQuery.raw('insert into t (v) values (1)');

/** A connection whose first `failures` calls throw `error`, then succeed. */
function failing(failures: number, error: Error & { code?: string }) {
  let calls = 0;
  const connection: DatabaseConnection = {
    executeQuery: <R>() => {
      calls++;
      return calls <= failures
        ? Promise.reject(error)
        : Promise.resolve({ rows: [] } as QueryResult<R>);
    },
    streamQuery: () => {
      throw new Error('not used');
    },
  };
  return { connection, calls: () => calls };
}

function sqliteError(code: string): Error & { code: string } {
  return Object.assign(new Error(code), { code });
}

describe('LockWaitingConnection', () => {
  it('runs a statement that found the database locked again until it gets through', async () => {
    const inner = failing(3, sqliteError('SQLITE_BUSY'));
    const waiting = new LockWaitingConnection(inner.connection, () => false, 5000);
    await expect(waiting.executeQuery(INSERT)).resolves.toEqual({ rows: [] });
    expect(inner.calls()).toBe(4);
  });

  it('does not run a statement again inside a transaction: the transaction must roll back', async () => {
    const inner = failing(1, sqliteError('SQLITE_BUSY'));
    const waiting = new LockWaitingConnection(inner.connection, () => true, 5000);
    await expect(waiting.executeQuery(INSERT)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(inner.calls()).toBe(1);
  });

  it('passes any other error through at once', async () => {
    const inner = failing(1, sqliteError('SQLITE_CONSTRAINT_UNIQUE'));
    const waiting = new LockWaitingConnection(inner.connection, () => false, 5000);
    await expect(waiting.executeQuery(INSERT)).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    expect(inner.calls()).toBe(1);
  });

  it('gives up with the SQLITE_BUSY error once the timeout has passed', async () => {
    const inner = failing(Infinity, sqliteError('SQLITE_BUSY'));
    const waiting = new LockWaitingConnection(inner.connection, () => false, 50);
    await expect(waiting.executeQuery(INSERT)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(inner.calls()).toBeGreaterThan(1);
  });

  describe('on a real database whose write lock another connection holds', () => {
    let dir: string;
    let holder: Database.Database;
    let db: Database.Database;
    let connection: DatabaseConnection;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lock-wait-'));
      const file = join(dir, 'test.db');
      holder = new Database(file);
      holder.pragma('journal_mode = WAL');
      holder.exec('create table t (v integer)');
      db = new Database(file, { timeout: 0 });
      const driver = new SqliteDialect({ database: db }).createDriver();
      await driver.init();
      connection = await driver.acquireConnection();
    });

    afterEach(() => {
      db.close();
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('waits with the event loop free: a timer of this process can release the lock', async () => {
      holder.exec('begin immediate');
      // Runs only if the event loop turns while the insert waits; SQLite's own busy timeout
      // would sleep inside the call, and the insert would fail when it ran out.
      setTimeout(() => holder.exec('commit'), 200);
      const waiting = new LockWaitingConnection(connection, () => db.inTransaction, 5000);
      await expect(waiting.executeQuery(INSERT)).resolves.toMatchObject({ numAffectedRows: 1n });
      expect(holder.prepare('select count(*) as n from t').get()).toEqual({ n: 1 });
    });

    it('waits for `begin immediate`, then the transaction goes on as usual', async () => {
      holder.exec('begin immediate');
      setTimeout(() => holder.exec('commit'), 100);
      const waiting = new LockWaitingConnection(connection, () => db.inTransaction, 5000);
      await waiting.executeQuery(CompiledQuery.raw('begin immediate'));
      expect(db.inTransaction).toBe(true);
      await waiting.executeQuery(INSERT);
      await waiting.executeQuery(CompiledQuery.raw('commit'));
      expect(holder.prepare('select count(*) as n from t').get()).toEqual({ n: 1 });
    });
  });
});
