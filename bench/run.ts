/**
 * `npm run bench [-- --quick]`: builds its own databases, starts the built app, a raw
 * node:http + better-sqlite3 baseline and two bare framework servers as child processes, checks
 * that app and baseline answer identically, then loads them from this process with autocannon,
 * alternating between them. Prints a table and writes bench/results/latest.{json,md}.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Accounts, assertTokensValid, measureHashCost, prepareAccounts } from './lib/accounts';
import { type Comparison, compare } from './lib/compare';
import { type BenchConfig, type DataSize, parseArgs, ROOT } from './lib/config';
import { freshDataDir, prepareDatabases, type Prepared, userIds } from './lib/databases';
import { paced, saturate } from './lib/load';
import { installCleanup, withServers } from './lib/processes';
import {
  type FixedRate,
  machine,
  saturatedTail,
  type Memory,
  publish,
  type Results,
  settingsOf,
  type SignIn,
  targets,
} from './lib/report';
import { describeReplicaReads, replicaReads } from './lib/replicas';
import * as scenarios from './lib/scenarios';
import { startBare, withApp, withAppAndRaw } from './lib/servers';
import { verifyReads, verifyWrites } from './lib/verify';
import { workerScaling } from './lib/workers';

const started = performance.now();

function step(message: string): void {
  const seconds = Math.round((performance.now() - started) / 1000);
  console.log(`[${String(seconds).padStart(4)} s] ${message}`);
}

function dataLabel({ posts }: DataSize): string {
  return posts >= 1e6 ? `${posts / 1e6}M posts` : `${posts / 1e3}k posts`;
}

async function frameworkCost(config: BenchConfig): Promise<Comparison> {
  step('bare Nest vs bare express');
  return withServers(
    [
      () => startBare('bare Nest', 'bare-nest.ts'),
      () => startBare('bare express', 'bare-express.ts'),
    ],
    ([nest, express]) => compare(scenarios.hello, [nest, express], 'no database', config),
  );
}

async function smallData(config: BenchConfig, data: Prepared): Promise<Comparison[]> {
  const label = dataLabel(config.small);
  step(`lists on ${label}`);
  const ids = userIds(data.small);
  return withAppAndRaw(config, data.small, 'read', async (pair) => {
    const { compared } = await verifyReads(pair[0].url, pair[1].url, ids, 20);
    step(`verified: ${compared} identical answers from app and raw`);
    return [
      await compare(scenarios.postsOfUser(ids), pair, label, config),
      await compare(scenarios.posts, pair, label, config),
    ];
  });
}

async function largeData(config: BenchConfig, data: Prepared) {
  const label = dataLabel(config.large);
  step(`reads on ${label}`);
  const ids = userIds(data.large);
  return withAppAndRaw(config, data.large, 'read', async (pair) => {
    const { compared, deep } = await verifyReads(pair[0].url, pair[1].url, ids, config.deepPage);
    if (deep.page !== config.deepPage) {
      throw new Error(`GET /posts has only ${deep.page} pages, fewer than ${config.deepPage}`);
    }
    step(`verified: ${compared} identical answers from app and raw`);
    const byId = await compare(scenarios.userById(ids), pair, label, config);
    const comparisons = [
      byId,
      await compare(scenarios.postsOfUser(ids), pair, label, config),
      await compare(scenarios.posts, pair, label, config),
      await compare(scenarios.deepPage(deep.page, deep.path), pair, label, config),
    ];
    const saturated = { connections: config.saturatedConnections };
    const tail = await compare(scenarios.userById(ids), pair, label, config, saturated);
    // Half the peak measured just before (the 64-connection run), not the first run's: on a
    // shared machine the peak drifts, and half of an earlier, higher one may already saturate.
    const rate = Math.max(1, Math.round(tail.app.rps / 2));
    step(`GET /users/:id at a fixed ${rate} req/s (50% of the app's peak), app then raw`);
    // Each server first gets the same schedule for the warm-up time, unmeasured: a process's
    // first seconds at this rate right after a saturating run read p99 10-20x its later ones
    // (bench/README.md, "Tail latency"), on raw too, which is not latency at 50% load.
    const atRate = (url: string) =>
      paced(url, scenarios.userById(ids).source(), rate, {
        warmupSec: config.fixedRateWarmupSec,
        durationSec: config.fixedRateSec,
        expect: [200],
      });
    const measured = await atRate(pair[0].url);
    // The same schedule on the raw baseline: the floor that the machine and the client set.
    const floor = await atRate(pair[1].url);
    const fixedRate: FixedRate = {
      label: 'GET /users/:id',
      peakRps: tail.app.rps,
      rate,
      ...measured,
      ratio: measured.p99 / floor.p99,
      raw: { p50: floor.p50, p99: floor.p99 },
    };
    return { comparisons, tail, fixedRate };
  });
}

/** argon2id hashes timed for the cost of one (about 0.2-0.4 s in all). */
const HASH_SAMPLES = 10;

/**
 * Sessions for the writes, made the real way (see lib/accounts.ts) in the large database itself,
 * just before the writes so that the access tokens (15 minutes) outlast the memory check; then
 * the cost of one password hash, timed while no server runs.
 */
async function accountsFor(config: BenchConfig, data: Prepared) {
  step(`signing ${config.accounts} users in through the app's POST /auth/login`);
  const accounts = await prepareAccounts(config, data.large);
  const hash = measureHashCost(accounts.argon2Params, HASH_SAMPLES);
  step(
    `one argon2id hash (${hash.params}): ${hash.cpuMs.toFixed(1)} ms of CPU, ` +
      `${hash.wallMs.toFixed(1)} ms wall, over ${hash.samples}`,
  );
  return { accounts, hash };
}

async function writes(
  config: BenchConfig,
  data: Prepared,
  { accounts, hash }: Awaited<ReturnType<typeof accountsFor>>,
): Promise<{ comparisons: Comparison[]; tail: Comparison; signIn: SignIn }> {
  const label = dataLabel(config.large);
  step(`writes on throwaway copies of ${label}`);
  assertTokensValid(accounts, 60, 'the writes');
  const rawEnv = { ARGON2_PARAMS: accounts.argon2Params };
  return withAppAndRaw(
    config,
    data.large,
    'write',
    async (pair) => {
      const compared = await verifyWrites(pair[0].url, pair[1].url, accounts);
      step(`verified: ${compared} identical answers to writes`);
      const hashing = { connections: config.signupConnections, rounds: 1 };
      const comparisons = [
        await compare(scenarios.createPost(accounts.users), pair, label, config),
        await compare(scenarios.createUser, pair, label, config, hashing),
        await compare(
          scenarios.signIn(accounts.users, accounts.password),
          pair,
          label,
          config,
          hashing,
        ),
      ];
      const saturated = { connections: config.saturatedConnections };
      const tail = await compare(
        scenarios.createPost(accounts.users),
        pair,
        label,
        config,
        saturated,
      );
      const login = comparisons[2];
      const cores = availableParallelism();
      const boundRps = (cores * 1000) / hash.cpuMs;
      const signIn: SignIn = {
        label: 'POST /auth/login',
        appRps: login.app.rps,
        rawRps: login.base.rps,
        hash,
        cores,
        boundRps,
        ratio: login.app.rps / boundRps,
      };
      return { comparisons, tail, signIn };
    },
    rawEnv,
  );
}

async function scaling(config: BenchConfig, data: Prepared, accounts: Accounts) {
  const label = dataLabel(config.large);
  step(`1 worker against ${config.workers}, app and raw, on copies of ${label}`);
  // Two scenarios, each compared on the app's pair and on raw's.
  const seconds = 2 * 2 * 2 * (config.warmupSec + config.rounds * config.durationSec);
  assertTokensValid(accounts, seconds, 'the worker scaling');
  const ids = userIds(data.large);
  return workerScaling(config, data.large, label, [
    scenarios.userById(ids),
    scenarios.createPost(accounts.users),
  ]);
}

async function memory(config: BenchConfig, data: Prepared, accounts: Accounts): Promise<Memory> {
  step(`app memory: ${config.memoryWarmupSec} s warm-up, then ${config.memorySustainSec} s mixed`);
  assertTokensValid(accounts, config.memoryWarmupSec + config.memorySustainSec, 'the memory check');
  const ids = userIds(data.large);
  const mixed = scenarios.mixed(ids, accounts.users);
  return withApp(config, data.large, 'memory', async (app) => {
    const load = (durationSec: number) =>
      saturate(app.url, mixed.source(), {
        connections: config.connections,
        durationSec,
        expect: mixed.expect,
      });
    await load(config.memoryWarmupSec);
    await sleep(500);
    const warmKiB = app.rssKiB();
    const sustained = await load(config.memorySustainSec);
    await sleep(500);
    const afterKiB = app.rssKiB();
    return {
      warmKiB,
      afterKiB,
      growth: afterKiB / warmKiB,
      sustainSec: config.memorySustainSec,
      requests: sustained.requests,
    };
  });
}

async function main(config: BenchConfig): Promise<void> {
  installCleanup();
  const startedAt = new Date().toISOString();
  step(`benchmark, ${config.mode} run, data in ${relative(ROOT, config.dataDir)}`);
  freshDataDir(config);
  const data = await prepareDatabases(config, step);
  const { seeding } = data;
  step(`seed command ${seeding.seedSec.toFixed(1)} s, raw insert ${seeding.rawSec.toFixed(1)} s`);
  const framework = await frameworkCost(config);
  const small = await smallData(config, data);
  const large = await largeData(config, data);
  const prepared = await accountsFor(config, data);
  const written = await writes(config, data, prepared);
  const workers = await scaling(config, data, prepared.accounts);
  const mem = await memory(config, data, prepared.accounts);

  const [byId, ofUser, list, deep] = large.comparisons;
  const partial = {
    mode: config.mode,
    startedAt,
    machine: machine(),
    settings: settingsOf(config),
    dataDir: relative(ROOT, config.dataDir),
    seeding: { ...seeding, ratio: seeding.seedSec / seeding.rawSec },
    comparisons: [framework, byId, ofUser, small[0], list, small[1], deep, ...written.comparisons],
    scaling: [
      { label: ofUser.label, smallP50: small[0].app.p50, largeP50: ofUser.app.p50 },
      { label: list.label, smallP50: small[1].app.p50, largeP50: list.app.p50 },
    ].map((s) => ({ ...s, ratio: s.largeP50 / s.smallP50 })),
    deepPage: {
      page: config.deepPage,
      page1P50: list.app.p50,
      deepP50: deep.app.p50,
      ratio: deep.app.p50 / list.app.p50,
      rawRatio: deep.base.p50 / list.base.p50,
    },
    fixedRate: large.fixedRate,
    tail: [large.tail, written.tail].map(saturatedTail),
    workers,
    signIn: written.signIn,
    memory: mem,
  };
  const results: Results = {
    ...partial,
    elapsedSec: Math.round((performance.now() - started) / 1000),
    targets: targets(partial),
  };
  publish(results);
  // Its own section, after the rest is saved: PostgreSQL and a replica, when there is one.
  step('reads through a PostgreSQL read replica against reads from the primary');
  console.log(describeReplicaReads(await replicaReads(config, step)).join('\n'));
}

async function run(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  try {
    await main(config);
  } finally {
    rmSync(dirname(config.distDir), { recursive: true, force: true });
  }
}

run().catch((err: unknown) => {
  console.error(`\nbenchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
