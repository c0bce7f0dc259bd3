import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { finished, spawnTs, waitForOutput, type Finished } from './support/processes';
import { createTestDatabase, migrateToLatest, type TestDatabase } from './support/test-database';

/** The pids of a process's children (its workers). */
function children(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim())
      .map(Number)
      .sort();
  } catch {
    return []; // ps exits 1 when there are none
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `WEB_CONCURRENCY=2`: the app (`src/main.ts`) as two workers on one port, on SQLite in WAL. */
describe('WEB_CONCURRENCY (node:cluster)', () => {
  let db: TestDatabase;
  let app: ChildProcessWithoutNullStreams;
  let exited: Promise<Finished>;
  let output = '';
  let url: string;
  const http = () => request(url);

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    app = spawnTs('src/main.ts', [], {
      DATABASE_URL: db.url,
      PORT: '0',
      WEB_CONCURRENCY: '2',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      JWT_SECRET: '',
      LOGIN_RATE_LIMIT: '0',
      SIGNUP_RATE_LIMIT: '0',
    });
    app.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = finished(app);
    const started = await waitForOutput(app.stdout, /Listening on port \d+ with 2 workers/, 60_000);
    url = `http://127.0.0.1:${/Listening on port (\d+) with 2 workers/.exec(started)![1]}`;
  }, 90_000);

  afterAll(async () => {
    if (app.exitCode === null) {
      app.kill('SIGKILL');
    }
    await db.remove();
  });

  it('serves one port from two worker processes', async () => {
    expect(children(app.pid!)).toHaveLength(2);
    // A new connection each time: the primary hands them to the workers in turn.
    const pids = new Set<number>();
    for (let i = 0; i < 20; i++) {
      await http().get('/health').set('Connection', 'close').expect(200);
    }
    for (const line of output.split('\n').filter((l) => l.includes('"request completed"'))) {
      pids.add((JSON.parse(line) as { pid: number }).pid);
    }
    expect([...pids].sort()).toEqual(children(app.pid!));
  });

  it('shares one token key: a token from one worker works on the other', async () => {
    await http()
      .post('/users')
      .send({ username: 'worker', email: 'worker@example.com', password: 'a long password' })
      .expect(201);
    const { body } = await http()
      .post('/auth/login')
      .set('Connection', 'close')
      .send({ login: 'worker', password: 'a long password' })
      .expect(200);
    for (let i = 0; i < 6; i++) {
      await http()
        .get('/users/me')
        .set('Connection', 'close')
        .set('Authorization', `Bearer ${body.accessToken as string}`)
        .expect(200);
    }
  });

  it('keeps every write from both workers in one SQLite file (WAL), none refused', async () => {
    const { body } = await http()
      .post('/auth/login')
      .send({ login: 'worker', password: 'a long password' })
      .expect(200);
    const auth = `Bearer ${body.accessToken as string}`;
    const statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        http()
          .post('/posts')
          .set('Connection', 'close')
          .set('Authorization', auth)
          .send({ body: `from a worker ${i}` })
          .then((res) => res.status),
      ),
    );
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    const { body: page } = await http().get('/users/1/posts?limit=100').expect(200);
    const { body: rest } = await http()
      .get(`/users/1/posts?limit=100&cursor=${page.nextCursor as string}`)
      .expect(200);
    expect(page.items.length + rest.items.length).toBe(200);
  }, 60_000);

  it('refreshes tokens from both workers at once, none refused (read, then write, in one transaction)', async () => {
    // Each refresh reads its token, then rotates it, in one transaction; with SQLite's default
    // (deferred) begin, a commit by the other worker in between made it fail at once (a 503).
    const sessions = [];
    for (let i = 0; i < 40; i++) {
      const { body } = await http()
        .post('/auth/login')
        .send({ login: 'worker', password: 'a long password' })
        .expect(200);
      sessions.push(body.refreshToken as string);
    }
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        sessions.map((refreshToken) =>
          http().post('/auth/refresh').set('Connection', 'close').send({ refreshToken }),
        ),
      );
      expect(answers.map((res) => res.status).filter((status) => status !== 200)).toEqual([]);
      answers.forEach((res, i) => (sessions[i] = res.body.refreshToken as string));
    }
  }, 60_000);

  it('replaces a worker that dies, and serves meanwhile', async () => {
    const [victim, survivor] = children(app.pid!);
    process.kill(victim, 'SIGKILL');
    // Once the primary knows (a connection it handed over just before is lost with the worker,
    // as any request in flight in a process that crashes), the survivor takes every connection.
    const died = new RegExp(`Worker ${victim} died \\(signal SIGKILL\\); starting another`);
    await until('the primary to see the death', () => (died.test(output) ? true : undefined));
    for (let i = 0; i < 10; i++) {
      await http().get('/health').set('Connection', 'close').timeout(5000).expect(200);
    }
    const now = await until('a new worker', () => {
      const pids = children(app.pid!);
      return pids.length === 2 && !pids.includes(victim) ? pids : undefined;
    });
    expect(now).toContain(survivor);
    await until('the new worker to listen', () =>
      output.split('\n').filter((l) => l.includes('Listening on http')).length >= 3
        ? true
        : undefined,
    );
    for (let i = 0; i < 10; i++) {
      await http().get('/health').set('Connection', 'close').timeout(5000).expect(200);
    }
  }, 60_000);

  it('on SIGTERM drains both workers and exits 0', async () => {
    const workers = children(app.pid!);
    app.kill('SIGTERM');
    const { code } = await exited;
    expect(code).toBe(0);
    expect(output).toContain('SIGTERM: stopping 2 workers');
    expect(output.match(/Closed: requests finished, database connection closed/g)).toHaveLength(2);
    expect(output).toContain('All workers have stopped');
    for (const pid of workers) {
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    }
  }, 30_000);
});

describe('WEB_CONCURRENCY: a worker that cannot start', () => {
  it('stops the others and exits 1, saying why, instead of restarting it forever', async () => {
    const run = await finished(
      spawnTs('src/main.ts', [], {
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere',
        PORT: '0',
        WEB_CONCURRENCY: '2',
        LOG_FORMAT: 'json',
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Cannot start on postgresql at 127\.0\.0\.1:1\/nowhere: /m);
    expect(run.stdout).toContain('A worker stopped before it could serve (exit code 1); stopping');
    expect(run.stdout).not.toContain('starting another');
  }, 60_000);
});
