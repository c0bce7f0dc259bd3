import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createTestDatabase, migrateToLatest, type TestDatabase } from '../support/test-database';
import { AppProcess } from './support/app-process';
import { DatabaseFile } from './support/database-file';
import { HttpClient, json } from './support/http-client';
import { bearer, Ledger, makeAccounts } from './support/workload';

/**
 * Another process (here: the test, as an operator's script or the seed command would) holds
 * SQLite's write lock. The app's writes wait for it (busy timeout, 5 s) instead of failing at
 * once; past the timeout they fail cleanly with a 503 the client may retry.
 */
describe('SQLite: a writer in another process', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let client: HttpClient;
  let other: Database.Database;
  let auth: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    app = await AppProcess.start(db.url);
    client = new HttpClient(app.port);
    const [writer] = await makeAccounts(client, new Ledger(), 1, 'writer');
    auth = bearer(writer.accessToken);
    other = new Database(db.url);
  }, 30_000);

  afterAll(async () => {
    other?.close();
    client?.close();
    await app?.stop();
    await db?.remove();
  });

  /** Holds the write lock for `ms` while `during` runs. */
  async function holdingWriteLock<T>(ms: number, during: () => Promise<T>): Promise<T> {
    other.exec('begin immediate');
    try {
      const result = during();
      await sleep(ms);
      other.exec('commit');
      return await result;
    } catch (err) {
      other.exec('rollback');
      throw err;
    }
  }

  it('makes the app wait for a lock held for a second, then succeed', async () => {
    const started = Date.now();
    const responses = await holdingWriteLock(1000, () =>
      Promise.all(
        [1, 2, 3].map((n) =>
          client.send({
            method: 'POST',
            path: '/posts',
            body: { body: `waited ${n}` },
            headers: auth,
          }),
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('answers 503 with Retry-After, writing nothing, when the lock outlasts the busy timeout', async () => {
    const file = new DatabaseFile(db.url);
    const before = file.posts();
    file.close();
    const res = await holdingWriteLock(6500, () =>
      client.send({ method: 'POST', path: '/posts', body: { body: 'gave up' }, headers: auth }),
    );
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(json(res)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the database is busy; retry the request',
    });
    const after = new DatabaseFile(db.url);
    expect(after.posts()).toEqual(before);
    after.close();
    // The lock is gone: the same request now succeeds.
    const retried = await client.send({
      method: 'POST',
      path: '/posts',
      body: { body: 'gave up' },
      headers: auth,
    });
    expect(retried.status).toBe(201);
  }, 30_000);
});
