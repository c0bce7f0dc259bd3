import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/core';
import { createOrmConfig } from '../../mikro-orm.config';
import { type Comparison, compare } from './compare';
import type { BenchConfig } from './config';
import { runNode, type Server, withServers } from './processes';
import { startAppOn } from './servers';
import * as scenarios from './scenarios';

/** The PostgreSQL server and its streaming replica (`.ci/pg-replica.sh` makes one on 5433). */
const PRIMARY_VARIABLE = 'TEST_POSTGRES_URL';
const REPLICA_VARIABLE = 'TEST_POSTGRES_REPLICA_URL';

/** The data: enough for index lookups and pages, seeded in seconds on PostgreSQL. */
const DATA = { users: 10_000, posts: 100_000 };
const DATABASE = 'microblog_bench_replicas';
const MIKRO_ORM_CLI = join(dirname(require.resolve('@mikro-orm/cli/package.json')), 'cli.js');

export type ReplicaReads =
  { skipped: string } | { comparisons: Comparison[]; data: typeof DATA; elapsedSec: number };

/** `url` with its database replaced by `database`. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `sql` on `url`'s server through the project's ORM configuration; the rows. */
async function query<T>(url: string, sql: string): Promise<T[]> {
  const orm = await MikroORM.init(
    createOrmConfig(url, { logger: () => undefined, ensureDatabase: false }),
  );
  try {
    await orm.connect();
    return (await orm.em.getConnection().execute(sql)) as T[];
  } finally {
    await orm.close();
  }
}

/**
 * Reads through a read replica against reads from the primary, on PostgreSQL: one database
 * seeded by the seed command, the built app started once with `DATABASE_REPLICA_URLS` (its
 * public GETs read from the replica) and once without (everything on the primary), the same
 * `GET /users/:id` and `GET /posts` load on both, alternating. Skipped, with the reason, when
 * the two URLs are not set or the replica does not answer as a standby.
 */
export async function replicaReads(
  config: BenchConfig,
  log: (line: string) => void,
): Promise<ReplicaReads> {
  const started = performance.now();
  const server = process.env[PRIMARY_VARIABLE];
  const replicaServer = process.env[REPLICA_VARIABLE];
  if (!server || !replicaServer) {
    return {
      skipped:
        `${PRIMARY_VARIABLE} and ${REPLICA_VARIABLE} are not both set (bash .ci/pg-replica.sh ` +
        'makes a streaming replica of the local PostgreSQL on port 5433)',
    };
  }
  try {
    const [{ standby }] = await query<{ standby: boolean }>(
      withDatabase(replicaServer, 'postgres'),
      'select pg_is_in_recovery() as standby',
    );
    if (!standby) {
      return { skipped: `${REPLICA_VARIABLE} is not a standby (pg_is_in_recovery() is false)` };
    }
  } catch (err) {
    return { skipped: `the replica does not answer: ${(err as Error).message}` };
  }

  const primaryUrl = withDatabase(server, DATABASE);
  const replicaUrl = withDatabase(replicaServer, DATABASE);
  const admin = withDatabase(server, 'postgres');
  log(`replicas: seeding ${DATA.users} users and ${DATA.posts} posts into PostgreSQL`);
  await query(admin, `drop database if exists ${DATABASE}`);
  await query(admin, `create database ${DATABASE}`);
  try {
    await runNode('migration:up', [MIKRO_ORM_CLI, 'migration:up'], { DATABASE_URL: primaryUrl });
    await runNode(
      'seed',
      [
        join(config.distDir, 'src', 'console', 'seed.js'),
        ...['--users', String(DATA.users), '--posts', String(DATA.posts), '--seed', '1'],
      ],
      { DATABASE_URL: primaryUrl, LOG_LEVEL: 'warn' },
    );
    await untilReplayed(primaryUrl, replicaUrl);
    const ids = (await query<{ id: number }>(primaryUrl, 'select id from "user"')).map((u) => u.id);
    const start = (name: string, extra: Record<string, string>) =>
      startAppOn(config, name, primaryUrl, extra);
    const label = `PostgreSQL, ${DATA.posts / 1000}k posts`;
    const comparisons = await withServers(
      [() => start('app (replica)', { DATABASE_REPLICA_URLS: replicaUrl }), () => start('app', {})],
      async ([viaReplica, primaryOnly]: Server[]) => {
        const health = (await (await fetch(`${viaReplica.url}/health`)).json()) as {
          replicas?: { status: string }[];
        };
        if (health.replicas?.[0]?.status !== 'up') {
          throw new Error(`the replica is not up for the app: ${JSON.stringify(health)}`);
        }
        const pair: [Server, Server] = [viaReplica, primaryOnly];
        return [
          await compare(scenarios.userById(ids), pair, label, config),
          await compare(scenarios.posts, pair, label, config),
        ];
      },
    );
    return {
      comparisons,
      data: DATA,
      elapsedSec: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    await query(admin, `drop database if exists ${DATABASE}`);
  }
}

/** Waits until the replica has replayed everything the primary has now. */
async function untilReplayed(primaryUrl: string, replicaUrl: string): Promise<void> {
  const [{ lsn }] = await query<{ lsn: string }>(
    primaryUrl,
    'select pg_current_wal_lsn()::text as lsn',
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [{ done }] = await query<{ done: boolean }>(
      replicaUrl,
      `select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn as done`,
    ).catch(() => [{ done: false }]);
    if (done) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error('the replica has not caught up with the seed after 60 s');
    }
    await sleep(200);
  }
}

/** The section's lines for the console. */
export function describeReplicaReads(result: ReplicaReads): string[] {
  if ('skipped' in result) {
    return [`Reads through a replica: skipped: ${result.skipped}`];
  }
  return [
    `Reads through a replica (${result.data.posts.toLocaleString('en-US')} posts on PostgreSQL, ` +
      `replica and primary on this machine), ${result.elapsedSec} s:`,
    ...result.comparisons.map(
      (c) =>
        `  ${c.label.padEnd(20)} via replica ${Math.round(c.app.rps)} req/s (p99 ` +
        `${c.app.p99.toFixed(2)} ms), primary only ${Math.round(c.base.rps)} req/s (p99 ` +
        `${c.base.p99.toFixed(2)} ms): ratio ${c.ratio.toFixed(2)}`,
    ),
  ];
}
