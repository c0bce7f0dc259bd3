import { fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT } from './config';
import { Latencies } from './stats';

/** One request to send; a factory of these drives a run. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  /** JSON text; sent with `Content-Type: application/json`. */
  body?: string;
  /** More request headers (`Authorization`); one object may serve many requests. */
  headers?: Record<string, string>;
}

export type RequestSource = () => RequestSpec;

/** One measured run against one server. */
export interface Measurement {
  /** Responses with the expected status per second. */
  rps: number;
  /** Latency percentiles in ms, from every response (not autocannon's 1 ms buckets). */
  p50: number;
  p99: number;
  /** The slowest response, ms. */
  max: number;
  requests: number;
}

export interface LoadOptions {
  connections: number;
  durationSec: number;
  /** The statuses a run expects: any other, and any connection error, fails the run. */
  expect: readonly number[];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** A request's headers: the JSON content type when it has a body, and its own. */
function headersOf({ body, headers }: RequestSpec): Record<string, string> {
  const base = body === undefined ? {} : JSON_HEADERS;
  return headers ? { ...base, ...headers } : base;
}

/** Closed-loop load with autocannon: `connections` clients, each sending as fast as answered. */
export function saturate(
  url: string,
  next: RequestSource,
  opts: LoadOptions,
): Promise<Measurement> {
  const latencies = new Latencies();
  const unexpected = new Map<number, number>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: opts.connections,
        duration: opts.durationSec,
        requests: [
          {
            setupRequest: (req) => {
              const spec = next();
              return { ...req, ...spec, headers: headersOf(spec) };
            },
          },
        ],
      },
      (err: unknown, result) => {
        if (err) {
          return reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        }
        const failure = describeFailures(unexpected, result.errors);
        if (failure) {
          return reject(new Error(`${url}: ${failure}`));
        }
        resolve(summarise(latencies, result.duration));
      },
    );
    // autocannon passes the client first (its typings leave it out); responseTime is in ms.
    (instance as EventEmitter).on(
      'response',
      (_client: unknown, status: number, _bytes: number, ms: number) =>
        opts.expect.includes(status)
          ? latencies.add(ms)
          : unexpected.set(status, (unexpected.get(status) ?? 0) + 1),
    );
  });
}

/** A fixed-rate run, as `paced()` hands it to its client process (`paced-client.ts`). */
export interface PacedJob {
  url: string;
  /** The requests, in the order they are sent: `rate` x (`warmupSec` + `durationSec`). */
  requests: RequestSpec[];
  /** How many of the first requests are the warm-up: sent on the schedule, not timed. */
  warmup: number;
  rate: number;
  expect: readonly number[];
}

export interface PacedOptions extends Omit<LoadOptions, 'connections'> {
  /** Seconds of the same schedule sent first and not measured. */
  warmupSec: number;
}

/** What the client process answers: the run's measurement, or why it failed. */
export type PacedResult = { measurement: Measurement } | { error: string };

const PACED_CLIENT = join(__dirname, 'paced-client.ts');

/**
 * Open-loop load at a fixed rate: requests start on schedule (spread over each millisecond, not
 * in bursts at the top of every second as autocannon's `overallRate` sends them) whether or not
 * earlier ones have been answered, so a stall shows up in the latencies instead of pausing the
 * sender.
 *
 * The requests are sent and timed by a client process of their own (`paced-client.ts`), not by
 * this one: the orchestrator holds the whole run's state, and its scavenges took 10-25 ms during
 * these runs, each delaying the responses it was timing and, on V8's parallel GC threads,
 * taking both cores from the server under test (bench/README.md, "Tail latency").
 *
 * The warm-up is the first `warmupSec` of the same schedule, in the same client: a fresh client
 * process compiles its HTTP path and opens its connections in its first few hundred
 * milliseconds, and timed from its first request it put a fifth of the app's first 500 ms
 * above 3 ms (bench/README.md, "Tail latency").
 */
export async function paced(
  url: string,
  next: RequestSource,
  rate: number,
  opts: PacedOptions,
): Promise<Measurement> {
  const warmup = Math.round(rate * opts.warmupSec);
  const count = warmup + Math.round(rate * opts.durationSec);
  const requests = Array.from({ length: count }, () => next());
  const job: PacedJob = { url, requests, warmup, rate, expect: opts.expect };
  const client = fork(PACED_CLIENT, { cwd: ROOT, execArgv: ['-r', '@swc-node/register'] });
  const result = await new Promise<PacedResult>((resolve, reject) => {
    client.once('message', (message) => resolve(message as PacedResult));
    client.once('error', reject);
    client.once('exit', (code, signal) =>
      reject(new Error(`the paced client exited (${signal ?? `exit code ${code}`}) early`)),
    );
    client.send(job);
  });
  if ('error' in result) {
    throw new Error(result.error);
  }
  return result.measurement;
}

/** `paced()`'s run itself, in the client process. */
export async function runPaced({
  url,
  requests,
  warmup,
  rate,
  expect,
}: PacedJob): Promise<Measurement> {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies = new Latencies();
  const unexpected = new Map<number, number>();
  let errors = 0;
  let resent = 0;
  const total = requests.length;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let answered = 0;
    const settle = () => {
      if (++answered === total) {
        resolve();
      }
    };
    const send = (spec: RequestSpec, timed: boolean) => {
      const t0 = performance.now();
      let settled = false;
      const done = (status?: number) => {
        if (settled) {
          return;
        }
        settled = true;
        if (status === undefined) {
          errors++;
        } else if (expect.includes(status)) {
          if (timed) {
            latencies.add(performance.now() - t0);
          }
        } else {
          unexpected.set(status, (unexpected.get(status) ?? 0) + 1);
        }
        settle();
      };
      const headers = headersOf(spec);
      const attempt = (retry: boolean) => {
        const req = request(
          { agent, hostname, port, method: spec.method, path: spec.path, headers },
          (res) => {
            res.once('end', () => done(res.statusCode ?? 0));
            res.once('error', () => done());
            res.resume();
          },
        );
        req.once('error', (err: NodeJS.ErrnoException) =>
          // A kept-alive connection that the server closed as idle just as this request went
          // out on it: the request never reached the server. Sent again once, on another
          // connection, as Node's documentation of `reusedSocket` does; timed from the first try.
          retry && req.reusedSocket && err.code === 'ECONNRESET'
            ? (resent++, attempt(false))
            : done(),
        );
        req.end(spec.body);
      };
      attempt(spec.method === 'GET');
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const index = sent++;
        send(requests[index], index >= warmup);
      }
      if (sent < total) {
        setTimeout(tick, 1);
      }
    };
    tick();
  });
  agent.destroy();
  if (resent > 0) {
    console.log(
      `    (${resent} request(s) sent again: the server had closed their idle connection)`,
    );
  }
  const failure = describeFailures(unexpected, errors);
  if (failure) {
    throw new Error(`${url}: ${failure}`);
  }
  // The measured part starts on schedule with request number `warmup`.
  const measuredSec = (performance.now() - started) / 1000 - warmup / rate;
  return summarise(latencies, measuredSec);
}

function summarise(latencies: Latencies, seconds: number): Measurement {
  return { rps: latencies.count / seconds, ...latencies.percentiles(), requests: latencies.count };
}

function describeFailures(unexpected: Map<number, number>, errors: number) {
  const parts = [...unexpected].map(([status, n]) => `${n} x HTTP ${status}`);
  if (errors > 0) {
    parts.push(`${errors} connection error(s) or timeout(s)`);
  }
  return parts.length > 0 ? `unexpected responses: ${parts.join(', ')}` : undefined;
}
