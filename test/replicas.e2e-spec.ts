import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Logger, type INestApplication } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/core';
import request from 'supertest';
import type { App } from 'supertest/types';
import {
  bearer,
  createPost,
  createUser,
  TEST_PASSWORD,
  uniqueName,
  type Account,
} from './support/api';
import { finished, spawnTs, waitForOutput, type Finished } from './support/processes';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp } from './support/test-app';
import {
  createTestDatabase,
  initOrm,
  migrateToLatest,
  type TestDatabase,
} from './support/test-database';
import { testRedisUrl, uniqueRedisKeyPrefix } from './support/test-redis';

/** Where the streaming replica of TEST_POSTGRES_URL's server is: `.ci/pg-replica.sh` makes it. */
const REPLICA_URL_VARIABLE = 'TEST_POSTGRES_REPLICA_URL';

/**
 * `describe` for the suites that need the replica: run when TEST_POSTGRES_REPLICA_URL is set;
 * without it, left out with a one-line notice on a laptop, but run (and failed) under CI.
 */
function describeWithReplica(title: string, fn: () => void): void {
  if (process.env[REPLICA_URL_VARIABLE] || process.env.CI === 'true') {
    describe(title, fn);
  } else {
    process.stderr.write(`notice: ${REPLICA_URL_VARIABLE} is not set; leaving out "${title}"\n`);
  }
}

/** The database `primaryUrl` names, on the replica server. */
function onReplica(primaryUrl: string): string {
  const server = process.env[REPLICA_URL_VARIABLE];
  if (!server) {
    throw new Error(`${REPLICA_URL_VARIABLE} is not set`);
  }
  const url = new URL(server);
  url.pathname = new URL(primaryUrl).pathname;
  return url.toString();
}

/** A connection of the test's own (`application_name` microblog-test), to look at a server. */
class Sql {
  private constructor(private readonly orm: MikroORM) {}

  static async open(url: string): Promise<Sql> {
    const orm = await initOrm(url, {
      ensureDatabase: false,
      driverOptions: { application_name: 'microblog-test' },
    });
    return new Sql(orm);
  }

  rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.orm.em.getConnection().execute<T[]>(sql, params);
  }

  close(): Promise<void> {
    return this.orm.close();
  }
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The app's sessions on a server, for the test database: who they are and what they ran last. */
interface Backend {
  application_name: string;
  query: string;
}

function backendsOf(sql: Sql, database: string): Promise<Backend[]> {
  return sql.rows<Backend>(
    `select application_name, query from pg_stat_activity
      where datname = ? and application_name like 'microblog-nest%'`,
    [database],
  );
}

/** `total` requests, `concurrency` at a time; `between(done)` runs as each one ends. */
async function load(
  total: number,
  concurrency: number,
  send: (i: number) => Promise<number>,
  between: (done: number) => Promise<void> | void = () => undefined,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      statuses.push(await send(i));
      await between(statuses.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** How many of each status. */
function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) {
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

describe('DATABASE_REPLICA_URLS at start-up', () => {
  it('refuses replicas of a SQLite database, in one line, without the password', async () => {
    const app = spawnTs('src/main.ts', [], {
      DATABASE_URL: 'sqlite::memory:',
      DATABASE_REPLICA_URLS: 'postgresql://app:hunter2@10.0.0.2:5432/microblog',
      PORT: '0',
    });
    const { code, stdout, stderr }: Finished = await finished(app);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'DATABASE_REPLICA_URLS is set, but DATABASE_URL is SQLite: read replicas are PostgreSQL ' +
        'streaming replicas of a PostgreSQL DATABASE_URL; unset DATABASE_REPLICA_URLS',
    );
    expect(stdout + stderr).not.toContain('hunter2');
  }, 30_000);
});

describeWithReplica('read replicas, on a PostgreSQL streaming replica', () => {
  let db: TestDatabase;
  let replicaUrl: string;
  let database: string;
  let primarySql: Sql;
  let replicaSql: Sql;
  /** Between the app and the replica, to make it go away or hang without touching it. */
  let proxy: TcpProxy;
  /** The app, with the replica behind the proxy and the default lag bound. */
  let app: INestApplication<App>;
  const http = () => request(app.getHttpServer());

  /** Waits until the replica has replayed everything the primary has now. */
  async function untilReplayed(): Promise<void> {
    const [{ lsn }] = await primarySql.rows<{ lsn: string }>(
      'select pg_current_wal_lsn()::text as lsn',
    );
    await until('the replica to catch up', async () => {
      const [row] = await replicaSql.rows<{ done: boolean }>(
        'select pg_last_wal_replay_lsn() >= ?::pg_lsn as done',
        [lsn],
      );
      return row.done ? true : undefined;
    });
  }

  async function health(target = app) {
    return (await request(target.getHttpServer()).get('/health').expect(200)).body as {
      status: string;
      replicas: { name: string; status: string; lagMs: number | null }[];
    };
  }

  async function untilReplicaIs(status: string, target = app, timeoutMs = 15_000) {
    return until(
      `replica-1 to be ${status}`,
      async () => {
        const body = await health(target);
        return body.replicas[0].status === status ? body : undefined;
      },
      timeoutMs,
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase('postgresql');
    await migrateToLatest(db.url);
    database = new URL(db.url).pathname.slice(1);
    replicaUrl = onReplica(db.url);
    primarySql = await Sql.open(db.url);
    // The new database reaches the replica by streaming.
    replicaSql = await until('the test database on the replica', () => Sql.open(replicaUrl));
    await untilReplayed();
    const replica = new URL(replicaUrl);
    proxy = await TcpProxy.start(replica.hostname, Number(replica.port || 5432));
    app = await createTestApp(db.url, { DATABASE_REPLICA_URLS: proxy.through(replicaUrl) });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await primarySql?.close();
    await replicaSql?.close();
    await proxy?.close();
    await db?.remove();
  });

  it('reports the replica in /health by name, up, with its lag, and never its URL', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      database: 'up',
      replicas: [{ name: 'replica-1', status: 'up', lagMs: expect.any(Number) }],
    });
    expect(res.text).not.toMatch(/postgres|5433|127\.0\.0\.1/);
  });

  it("serves public GETs from the replica: pg_stat_activity shows the app's replica sessions ran them", async () => {
    const author = await createUser(app, uniqueName('author'));
    const posts = [];
    for (let i = 0; i < 5; i++) {
      posts.push(await createPost(app, author, `post ${i}`));
    }
    await untilReplayed();

    const paths = [
      '/posts',
      `/posts/${posts[0].id}`,
      `/users/${author.id}`,
      `/users/${author.id}/posts`,
      '/users?sort=username',
    ];
    const statuses = await load(60, 30, async (i) => (await http().get(paths[i % 5])).status);
    expect(tally(statuses)).toEqual({ 200: 60 });

    // On the replica: only the app's replica sessions, several (the reads ran concurrently),
    // and the reads among their last queries.
    const onReplicaServer = await backendsOf(replicaSql, database);
    expect(new Set(onReplicaServer.map((b) => b.application_name))).toEqual(
      new Set(['microblog-nest:replica-1']),
    );
    expect(onReplicaServer.length).toBeGreaterThanOrEqual(3);
    expect(onReplicaServer.some((b) => /from "post" as "p"/.test(b.query))).toBe(true);
    expect(onReplicaServer.some((b) => /from "user"/.test(b.query))).toBe(true);
    const [{ standby }] = await replicaSql.rows<{ standby: boolean }>(
      'select pg_is_in_recovery() as standby',
    );
    expect(standby).toBe(true);

    // On the primary: the app's own sessions, none of which ran those reads.
    const onPrimary = await backendsOf(primarySql, database);
    expect(new Set(onPrimary.map((b) => b.application_name))).toEqual(new Set(['microblog-nest']));
    expect(
      onPrimary.filter((b) => /from "post" as "p"|select "id", "username" from/.test(b.query)),
    ).toEqual([]);
  });

  it('serves writes, and everything in their requests, from the primary', async () => {
    const author = await createUser(app, uniqueName('writer'));
    const post = await createPost(app, author, 'first draft');
    await http()
      .patch(`/posts/${post.id}`)
      .set(author.auth)
      .send({ body: 'second draft' })
      .expect(200);
    await http()
      .patch(`/users/${author.id}`)
      .set(author.auth)
      .send({ username: uniqueName('renamed') })
      .expect(200);
    await http().delete(`/posts/${post.id}`).set(author.auth).expect(204);
    // The replica is read-only: nothing the app ran there wrote, or these would have failed.
    const writes = (await backendsOf(replicaSql, database)).filter((b) =>
      /^(insert|update|delete|begin)/i.test(b.query.trim()),
    );
    expect(writes).toEqual([]);
    // A signed-in GET (not public) reads from the primary: it sees a rename at once.
    await expect(http().get('/users/me').set(author.auth).expect(200)).resolves.toBeDefined();
  });

  describe('while the replica stops replaying (a replica that lags)', () => {
    // These tests pause replay on the shared replica: no other test file reads from it.
    /** An app that keeps using a replica up to a minute behind, so that stale reads show. */
    let patient: INestApplication<App>;
    /** Two instances sharing Redis for the recent writers, equally patient. */
    const redisApps: INestApplication<App>[] = [];
    let cluster: ChildProcessWithoutNullStreams | undefined;
    let clusterUrl = '';
    let clusterOutput = '';
    const PATIENT = { REPLICA_MAX_LAG: '60000', READ_YOUR_WRITES_WINDOW: '63000' };

    beforeAll(async () => {
      patient = await createTestApp(db.url, { ...PATIENT, DATABASE_REPLICA_URLS: replicaUrl });
      const prefix = uniqueRedisKeyPrefix();
      for (let i = 0; i < 2; i++) {
        redisApps.push(
          await createTestApp(
            db.url,
            {
              ...PATIENT,
              DATABASE_REPLICA_URLS: replicaUrl,
              REDIS_URL: testRedisUrl(),
              JWT_SECRET: 'replicas-e2e-shared-secret-0123456789abcdef',
            },
            { redisKeyPrefix: prefix },
          ),
        );
      }
      // WEB_CONCURRENCY=2 without Redis: the workers share marks through their primary process.
      cluster = spawnTs('src/main.ts', [], {
        ...PATIENT,
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: replicaUrl,
        PORT: '0',
        WEB_CONCURRENCY: '2',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        JWT_SECRET: '',
        LOGIN_RATE_LIMIT: '0',
        SIGNUP_RATE_LIMIT: '0',
      });
      cluster.stdout.on('data', (chunk: Buffer) => (clusterOutput += chunk.toString()));
      const started = await waitForOutput(
        cluster.stdout,
        /Listening on port \d+ with 2 workers/,
        60_000,
      );
      clusterUrl = `http://127.0.0.1:${/Listening on port (\d+) with 2 workers/.exec(started)![1]}`;
    }, 90_000);

    afterAll(async () => {
      await replicaSql.rows('select pg_wal_replay_resume()');
      await patient?.close();
      for (const redisApp of redisApps) {
        await redisApp.close();
      }
      if (cluster && cluster.exitCode === null) {
        const done = finished(cluster);
        cluster.kill('SIGTERM');
        await done;
      }
    }, 30_000);

    it('stale reads show that anonymous reads come from the replica; its author reads the write at once, on every instance and worker', async () => {
      const reader = await createUser(patient, uniqueName('reader'));
      await untilReplayed();
      await replicaSql.rows('select pg_wal_replay_pause()');
      try {
        // One app instance: the author wrote, the replica has not replayed it.
        const author = await createUser(patient, uniqueName('author'));
        const post = await createPost(patient, author, 'only on the primary, for now');
        const get = (path: string, auth?: { Authorization: string }) => {
          const req = request(patient.getHttpServer()).get(path);
          return auth ? req.set(auth) : req;
        };
        // Anonymous, and another signed-in user: from the replica, which has neither.
        await get(`/posts/${post.id}`).expect(404);
        await get(`/users/${author.id}`).expect(404);
        await get(`/posts/${post.id}`, reader.auth).expect(404);
        // The author (who wrote lately): from the primary.
        await get(`/posts/${post.id}`, author.auth).expect(200);
        await get(`/users/${author.id}/posts`, author.auth).expect(200);
        // A user who signs in now has a session on the primary only: a write's request looks
        // it up there (the bearer guard), so the write goes through.
        const fresh = await createUser(patient, uniqueName('fresh'));
        await createPost(patient, fresh, 'written with a session the replica lacks');

        // Two instances sharing Redis: the author writes on one, reads on the other.
        const [a, b] = redisApps;
        const other = await createUser(a, uniqueName('across'));
        const otherPost = await createPost(a, other, 'written on instance a');
        await request(b.getHttpServer()).get(`/posts/${otherPost.id}`).expect(404);
        await request(b.getHttpServer()).get(`/posts/${otherPost.id}`).set(other.auth).expect(200);

        // Two workers without Redis: the author writes on one; every new connection (handed to
        // either worker in turn) reads the post, while anonymous ones do not find it.
        const viaCluster = () => request(clusterUrl);
        const username = uniqueName('worker');
        const created = await viaCluster()
          .post('/users')
          .send({ username, email: `${username}@example.com`, password: TEST_PASSWORD })
          .expect(201);
        const login = await viaCluster()
          .post('/auth/login')
          .send({ login: username, password: TEST_PASSWORD })
          .expect(200);
        const auth = bearer((login.body as { accessToken: string }).accessToken);
        const clusterPost = await viaCluster()
          .post('/posts')
          .set(auth)
          .send({ body: 'written on one worker' })
          .expect(201);
        const path = `/posts/${(clusterPost.body as { id: number }).id}`;
        const before = clusterOutput.length;
        const mine = await load(
          20,
          1,
          async () => (await viaCluster().get(path).set(auth).set('Connection', 'close')).status,
        );
        const anonymous = await load(
          20,
          1,
          async () => (await viaCluster().get(path).set('Connection', 'close')).status,
        );
        expect({ mine: tally(mine), anonymous: tally(anonymous) }).toEqual({
          mine: { 200: 20 },
          anonymous: { 404: 20 },
        });
        const pids = new Set(
          clusterOutput
            .slice(before)
            .split('\n')
            .filter((line) => line.includes('"request completed"'))
            .map((line) => (JSON.parse(line) as { pid: number }).pid),
        );
        expect(pids.size).toBe(2);
        expect((created.body as { id: number }).id).toBeGreaterThan(0);
      } finally {
        await replicaSql.rows('select pg_wal_replay_resume()');
      }
    }, 60_000);

    it('skips a replica that lags past REPLICA_MAX_LAG: its reads go to the primary, /health says so', async () => {
      const author = await createUser(app, uniqueName('lagged'));
      await untilReplayed();
      await untilReplicaIs('up');
      await replicaSql.rows('select pg_wal_replay_pause()');
      try {
        const post = await createPost(app, author, 'while the replica stands still');
        const lagging = await untilReplicaIs('lagging');
        expect(lagging.status).toBe('degraded');
        expect(lagging.replicas[0].lagMs).toBeGreaterThan(2000);
        // Anonymous reads would find nothing on the replica; they go to the primary.
        await http().get(`/posts/${post.id}`).expect(200);
        await expect(health(patient)).resolves.toMatchObject({ status: 'ok' });
      } finally {
        await replicaSql.rows('select pg_wal_replay_resume()');
      }
      await untilReplicaIs('up');
    }, 60_000);
  });

  describe('when the replica goes away', () => {
    let author: Account;
    let postId: number;
    let warn: jest.SpyInstance;
    let log: jest.SpyInstance;

    beforeAll(async () => {
      author = await createUser(app, uniqueName('survivor'));
      postId = (await createPost(app, author, 'read under load')).id;
      await untilReplayed();
    });

    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn');
      log = jest.spyOn(Logger.prototype, 'log');
    });

    afterEach(async () => {
      await proxy.restore();
      jest.restoreAllMocks();
    });

    const paths = () => ['/posts', `/posts/${postId}`, `/users/${author.id}`];

    it('cut in the middle of 300 GETs, 30 at a time: no 5xx, /health says down, then up again', async () => {
      await untilReplicaIs('up');
      const statuses = await load(
        300,
        30,
        async (i) => (await http().get(paths()[i % 3])).status,
        async (done) => {
          if (done === 100) {
            await proxy.cut();
          }
        },
      );
      expect(tally(statuses)).toEqual({ 200: 300 });
      const down = await health();
      expect(down).toEqual({
        status: 'degraded',
        database: 'up',
        replicas: [{ name: 'replica-1', status: 'down', lagMs: null }],
      });
      const said = [...warn.mock.calls, ...log.mock.calls].map(([m]) => String(m));
      expect(said.filter((m) => m.startsWith('replica-1'))).toContainEqual(
        expect.stringMatching(
          /^replica-1 \(127\.0\.0\.1:\d+\/microblog_test_\w+\) is down \(.+\): its reads go to the primary$/,
        ),
      );

      await proxy.restore();
      await untilReplicaIs('up');
      await expect(health()).resolves.toMatchObject({ status: 'ok' });
    }, 60_000);

    it('hanging (it accepts, but never answers): reads go to the primary after the timeout, no 5xx', async () => {
      await untilReplicaIs('up');
      proxy.stall();
      const started = Date.now();
      const statuses = await load(60, 20, async (i) => (await http().get(paths()[i % 3])).status);
      expect(tally(statuses)).toEqual({ 200: 60 });
      // The first reads wait for the replica up to its timeout (1 s), the rest skip it.
      expect(Date.now() - started).toBeLessThan(10_000);
      await untilReplicaIs('down');
      await proxy.restore();
      await untilReplicaIs('up');
    }, 60_000);

    it('down at start-up: the app starts, reads from the primary, and takes the replica once it answers', async () => {
      await proxy.cut();
      const late = await createTestApp(db.url, {
        DATABASE_REPLICA_URLS: proxy.through(replicaUrl),
      });
      try {
        await expect(health(late)).resolves.toMatchObject({
          status: 'degraded',
          replicas: [{ name: 'replica-1', status: 'down', lagMs: null }],
        });
        await request(late.getHttpServer()).get(`/posts/${postId}`).expect(200);
        await proxy.restore();
        await untilReplicaIs('up', late);
      } finally {
        await late.close();
      }
    }, 60_000);
  });
});
