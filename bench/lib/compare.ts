import type { BenchConfig } from './config';
import { type Measurement, saturate } from './load';
import type { Server } from './processes';
import type { Scenario } from './scenarios';
import { median } from './stats';

/** Medians across rounds. */
export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  runs: Measurement[];
}

export interface Comparison {
  scenario: string;
  label: string;
  /** Which data set (or "no database"). */
  data: string;
  subject: string;
  baseline: string;
  connections: number;
  app: Summary;
  base: Summary;
  /** subject req/s over baseline req/s. */
  ratio: number;
}

export interface CompareOptions {
  connections?: number;
  rounds?: number;
}

/**
 * Warms both servers up, then measures them in alternating order for `rounds` rounds (app,
 * baseline, baseline, app, ...) so that drift on a noisy machine hits both alike.
 */
export async function compare(
  scenario: Scenario,
  [subject, baseline]: [Server, Server],
  data: string,
  config: BenchConfig,
  options: CompareOptions = {},
): Promise<Comparison> {
  const connections = options.connections ?? config.connections;
  const rounds = options.rounds ?? config.rounds;
  const run = (server: Server, durationSec: number) =>
    saturate(server.url, scenario.source(), { connections, durationSec, expect: scenario.expect });
  console.log(`  ${scenario.label} [${data}], ${connections} connections`);
  for (const server of [subject, baseline]) {
    await run(server, config.warmupSec);
  }
  const runs = new Map<Server, Measurement[]>([
    [subject, []],
    [baseline, []],
  ]);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [subject, baseline] : [baseline, subject];
    for (const server of order) {
      const measured = await run(server, config.durationSec);
      runs.get(server)!.push(measured);
      console.log(`    ${server.name.padEnd(13)} ${formatRun(measured)}`);
    }
  }
  const app = summarise(runs.get(subject)!);
  const base = summarise(runs.get(baseline)!);
  return {
    scenario: scenario.id,
    label: scenario.label,
    data,
    subject: subject.name,
    baseline: baseline.name,
    connections,
    app,
    base,
    ratio: app.rps / base.rps,
  };
}

export function summarise(runs: Measurement[]): Summary {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    runs,
  };
}

export function formatRun({ rps, p50, p99 }: Measurement): string {
  return `${Math.round(rps).toLocaleString('en-US').padStart(7)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms`;
}
