import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { HashCost } from './accounts';
import type { Comparison } from './compare';
import { type BenchConfig, RESULTS_DIR } from './config';
import type { Seeding } from './databases';
import type { Measurement } from './load';
import type { WorkerScaling } from './workers';

export interface Scaling {
  label: string;
  smallP50: number;
  largeP50: number;
  ratio: number;
}

export interface DeepPage {
  page: number;
  page1P50: number;
  deepP50: number;
  ratio: number;
  /** The same ratio on the raw baseline, for reference. */
  rawRatio: number;
}

export interface FixedRate extends Measurement {
  label: string;
  peakRps: number;
  rate: number;
  /** The app's p99 / the raw baseline's, on the same schedule. */
  ratio: number;
  /** The raw baseline on the same schedule, for reference. */
  raw: { p50: number; p99: number };
}

/** App and raw under the same closed-loop load of many connections: the tail. */
export interface SaturatedTail {
  label: string;
  data: string;
  connections: number;
  app: { rps: number; p50: number; p99: number };
  raw: { rps: number; p50: number; p99: number };
  /** The app's p99 / raw's. */
  ratio: number;
}

export function saturatedTail(c: Comparison): SaturatedTail {
  const pick = ({ rps, p50, p99 }: Comparison['app']) => ({ rps, p50, p99 });
  return {
    label: c.label,
    data: c.data,
    connections: c.connections,
    app: pick(c.app),
    raw: pick(c.base),
    ratio: c.app.p99 / c.base.p99,
  };
}

export interface Memory {
  warmKiB: number;
  afterKiB: number;
  growth: number;
  sustainSec: number;
  requests: number;
}

/** Sign-in throughput against what the password hash alone allows on this machine. */
export interface SignIn {
  label: string;
  appRps: number;
  rawRps: number;
  /** One argon2id hash with the app's parameters, timed on its own. */
  hash: HashCost;
  cores: number;
  /** Sign-ins per second if every core did nothing but hash: cores / hash CPU time. */
  boundRps: number;
  /** appRps / boundRps. */
  ratio: number;
}

export interface Target {
  target: string;
  measured: number;
  limit: string;
  met: boolean;
}

export interface Results {
  mode: BenchConfig['mode'];
  startedAt: string;
  elapsedSec: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  settings: Settings;
  /** Where the databases were built, relative to the project. */
  dataDir: string;
  seeding: Seeding & { ratio: number };
  comparisons: Comparison[];
  scaling: Scaling[];
  deepPage: DeepPage;
  fixedRate: FixedRate;
  tail: SaturatedTail[];
  workers: WorkerScaling[];
  signIn: SignIn;
  memory: Memory;
  targets: Target[];
}

export type Settings = Omit<BenchConfig, 'mode' | 'dataDir' | 'distDir'>;

export function settingsOf(config: BenchConfig): Settings {
  const settings: Settings & Partial<BenchConfig> = { ...config };
  delete settings.mode;
  delete settings.dataDir;
  delete settings.distDir;
  return settings;
}

export function machine(): Results['machine'] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Scenarios bound by argon2id on both sides, app and raw alike: no ratio target. */
const HASH_BOUND = new Set(['create-user', 'sign-in']);

/** Every target of the benchmark issue, met or not. */
export function targets(r: Omit<Results, 'targets' | 'elapsedSec'>): Target[] {
  const atLeast = (target: string, measured: number, limit: number): Target => ({
    target,
    measured,
    limit: `>= ${limit.toFixed(2)}`,
    met: measured >= limit,
  });
  const atMost = (target: string, measured: number, limit: number): Target => ({
    target,
    measured,
    limit: `<= ${limit.toFixed(2)}`,
    met: measured <= limit,
  });
  const list: Target[] = [];
  for (const c of r.comparisons) {
    if (c.scenario === 'hello') {
      list.push(atLeast('bare Nest / bare express, req/s', c.ratio, 0.8));
    } else if (!HASH_BOUND.has(c.scenario)) {
      list.push(atLeast(`${c.label} [${c.data}] app / raw, req/s`, c.ratio, 0.2));
    }
  }
  for (const s of r.scaling) {
    list.push(atMost(`${s.label} p50, large / small data`, s.ratio, 1.3));
  }
  list.push(atMost(`GET /posts page ${r.deepPage.page} / page 1, p50`, r.deepPage.ratio, 1.3));
  list.push(atMost(`${r.fixedRate.label} p99 at 50% of peak, app / raw`, r.fixedRate.ratio, 5));
  for (const t of r.tail) {
    list.push(atMost(`${t.label} p99 at ${t.connections} connections, app / raw`, t.ratio, 5));
  }
  list.push(atMost('seed command / raw insert, time', r.seeding.ratio, 2));
  list.push(atMost('RSS after sustained load / after warm-up', r.memory.growth, 1.1));
  return list;
}

type Row = string[];

function comparisonRows(comparisons: Comparison[]): Row[] {
  return comparisons.map((c) => [
    c.label,
    c.data,
    rps(c.app.rps),
    ms(c.app.p50),
    ms(c.app.p99),
    c.baseline,
    rps(c.base.rps),
    ms(c.base.p50),
    ms(c.base.p99),
    c.ratio.toFixed(2),
  ]);
}

const COMPARISON_HEADER = [
  'scenario',
  'data',
  'req/s',
  'p50 ms',
  'p99 ms',
  'baseline',
  'req/s',
  'p50 ms',
  'p99 ms',
  'ratio',
];

function figureRows(r: Results): Row[] {
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  return [
    [
      `seed ${r.seeding.posts.toLocaleString('en-US')} posts`,
      `seed command ${r.seeding.seedSec.toFixed(1)} s (wall ${r.seeding.seedWallSec.toFixed(1)} s), ` +
        `raw insert ${r.seeding.rawSec.toFixed(1)} s`,
      `${r.seeding.ratio.toFixed(2)}x`,
    ],
    ...r.scaling.map((s) => [
      `${s.label}, large vs small data`,
      `p50 ${ms(s.largeP50)} vs ${ms(s.smallP50)} ms`,
      `${s.ratio.toFixed(2)}x`,
    ]),
    [
      `GET /posts page ${r.deepPage.page} vs page 1`,
      `p50 ${ms(r.deepPage.deepP50)} vs ${ms(r.deepPage.page1P50)} ms (raw: ${r.deepPage.rawRatio.toFixed(2)}x)`,
      `${r.deepPage.ratio.toFixed(2)}x`,
    ],
    [
      `${r.fixedRate.label} at ${rps(r.fixedRate.rate)} req/s (50% of ${rps(r.fixedRate.peakRps)})`,
      `p50 ${ms(r.fixedRate.p50)} ms, p99 ${ms(r.fixedRate.p99)} ms, open loop ` +
        `(raw at that rate: p50 ${ms(r.fixedRate.raw.p50)}, p99 ${ms(r.fixedRate.raw.p99)})`,
      `p99 ${r.fixedRate.ratio.toFixed(2)}x raw`,
    ],
    ...r.tail.map((t) => [
      `${t.label} [${t.data}], ${t.connections} connections`,
      `app p50 ${ms(t.app.p50)} ms, p99 ${ms(t.app.p99)} ms (${rps(t.app.rps)} req/s); ` +
        `raw p50 ${ms(t.raw.p50)}, p99 ${ms(t.raw.p99)} (${rps(t.raw.rps)} req/s)`,
      `p99 ${t.ratio.toFixed(2)}x raw`,
    ]),
    [
      `${r.signIn.label} vs one argon2id hash (${r.signIn.hash.params})`,
      `app ${rps(r.signIn.appRps)} req/s (raw ${rps(r.signIn.rawRps)}); one hash ` +
        `${ms(r.signIn.hash.cpuMs)} ms of one core (wall ${ms(r.signIn.hash.wallMs)} ms), so ` +
        `${r.signIn.cores} cores bound sign-in at ${rps(r.signIn.boundRps)} req/s`,
      `${r.signIn.ratio.toFixed(2)} of bound`,
    ],
    [
      `app RSS, ${r.memory.sustainSec} s mixed load`,
      `${mib(r.memory.warmKiB)} after warm-up, ${mib(r.memory.afterKiB)} after`,
      `${r.memory.growth.toFixed(2)}x`,
    ],
  ];
}

const WORKERS_HEADER = [
  'scenario',
  'server',
  'req/s, 1 process',
  'req/s, N processes',
  'efficiency',
  'p99 ms, 1',
  'p99 ms, N',
];

/** Efficiency: req/s of N processes / (N x req/s of one); 1.00 is perfect scaling. */
function workerRows(list: WorkerScaling[]): Row[] {
  return list.flatMap((w) =>
    (['app', 'raw'] as const).map((server) => [
      `${w.label} (${w.connections} connections)`,
      `${server}, 1 vs ${w.workers}`,
      rps(w[server].oneRps),
      rps(w[server].manyRps),
      w[server].efficiency.toFixed(2),
      ms(w[server].oneP99),
      ms(w[server].manyP99),
    ]),
  );
}

function targetRows(list: Target[]): Row[] {
  return list.map((t) => [t.target, t.measured.toFixed(2), t.limit, t.met ? 'met' : 'NOT MET']);
}

function rps(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function ms(value: number): string {
  return value.toFixed(2);
}

function title(r: Results): string {
  const m = r.machine;
  const quick =
    r.mode === 'quick' ? 'QUICK run (reduced data and durations, not for the README); ' : '';
  return (
    `${quick}${r.startedAt}, ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; ` +
    `${r.settings.rounds} round(s) of ${r.settings.durationSec} s per server, ` +
    `${r.settings.connections} connections; medians across rounds; whole run ${r.elapsedSec} s`
  );
}

function textTable(header: Row, rows: Row[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: Row) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: Row, rows: Row[]): string {
  const line = (cells: Row) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function render(r: Results, table: (header: Row, rows: Row[]) => string, heading: string): string {
  const met = r.targets.filter((t) => t.met).length;
  return [
    `${heading}Benchmark (${r.mode})`,
    '',
    title(r),
    '',
    table(COMPARISON_HEADER, comparisonRows(r.comparisons)),
    '',
    table(['figure', 'measured', 'ratio'], figureRows(r)),
    '',
    table(WORKERS_HEADER, workerRows(r.workers)),
    '',
    `${heading}Targets: ${met} of ${r.targets.length} met`,
    '',
    table(['target', 'measured', 'limit', 'status'], targetRows(r.targets)),
    '',
  ].join('\n');
}

/**
 * Prints the tables and writes them to bench/results/: `latest.json` and `latest.md` for a full
 * run, `quick.json` and `quick.md` for a quick one (so that it never replaces a full run's).
 */
export function publish(r: Results): void {
  console.log(`\n${render(r, textTable, '')}`);
  const name = r.mode === 'full' ? 'latest' : 'quick';
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, `${name}.md`), render(r, markdownTable, '### '));
  console.log(`Wrote bench/results/${name}.json and ${name}.md`);
}
