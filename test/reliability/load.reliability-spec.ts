import { createTestDatabase, migrateToLatest, type TestDatabase } from '../support/test-database';
import { AppProcess } from './support/app-process';
import { DatabaseFile } from './support/database-file';
import { HttpClient } from './support/http-client';
import { Ledger, MIXED, runWorkload } from './support/workload';

const CONNECTIONS = 64;
const DURATION_MS = 30_000;

describe('load: 64 connections mixing writes, reads and deletes for 30 s', () => {
  let db: TestDatabase;
  let app: AppProcess;
  const ledger = new Ledger();

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    app = await AppProcess.start(db.url);
    const client = new HttpClient(app.port, CONNECTIONS);
    try {
      await runWorkload(client, ledger, {
        concurrency: CONNECTIONS,
        mix: MIXED,
        signal: AbortSignal.timeout(DURATION_MS),
      });
    } finally {
      client.close();
    }
    await app.stop();
    console.log(`load: ${ledger.summary()}`);
  }, DURATION_MS + 60_000);

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await db?.remove();
  });

  it('answers every request: no 5xx, no connection errors', () => {
    expect(ledger.requests).toBeGreaterThan(1000);
    expect(ledger.responses((status) => status >= 500)).toBe(0);
    expect(Object.fromEntries(ledger.errors)).toEqual({});
    expect(ledger.responses((status) => status === 201)).toBeGreaterThan(100);
    expect(ledger.deletedPosts.size).toBeGreaterThan(0);
    expect(ledger.deletedUsers.size).toBeGreaterThan(0);
  });

  it('stores exactly the acknowledged writes, and nothing else', () => {
    const file = new DatabaseFile(db.url);
    try {
      expect(file.integrityCheck()).toBe('ok');
      const posts = file.posts();
      const expected = ledger.livePosts();
      expect(posts.map((p) => p.id)).toEqual([...expected.keys()].sort((a, b) => a - b));
      for (const post of posts) {
        expect({ body: post.body, authorId: post.user_id }).toEqual(expected.get(post.id));
      }
      const users = file.users();
      const expectedUsers = ledger.liveUsers();
      expect(users.map((u) => u.id)).toEqual([...expectedUsers.keys()].sort((a, b) => a - b));
      for (const user of users) {
        expect({ username: user.username, email: user.email }).toEqual({
          username: expectedUsers.get(user.id)?.username,
          email: expectedUsers.get(user.id)?.email,
        });
        expect(user.password_hash !== null).toBe(
          expectedUsers.get(user.id)?.password !== undefined,
        );
      }
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

  it('never shows a password or a password hash, in responses or logs', () => {
    expect(ledger.leaks).toEqual([]);
    const file = new DatabaseFile(db.url);
    const hashes = file
      .users()
      .map((u) => u.password_hash)
      .filter((h): h is string => h !== null);
    file.close();
    const passwords = [...ledger.users.values()].flatMap((u) => (u.password ? [u.password] : []));
    expect(hashes.length).toBeGreaterThan(0);
    for (const secret of [...hashes, ...passwords]) {
      expect(app.output.includes(secret)).toBe(false);
    }
    expect(app.output).not.toMatch(/scrypt\$|password_hash/);
  });
});
