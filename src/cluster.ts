import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

export interface ClusterOptions {
  /** Worker processes to keep running. */
  workers: number;
  /** How long a worker may take to drain on shutdown (SHUTDOWN_TIMEOUT) before it is killed. */
  shutdownTimeoutMs: number;
  /** Variables every worker gets on top of this process's. */
  env: Record<string, string>;
  log: Logger;
}

/** A worker that dies this soon after it started counts towards the restart back-off. */
const RECENT_DEATH_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The primary process of `WEB_CONCURRENCY=N`: it runs N workers of this same entry point, which
 * serve one port together (node:cluster: the primary accepts the connections and hands them to
 * the workers in turn), and it serves nothing itself.
 *
 * - A worker that dies after it was serving is replaced, after a delay that doubles with each
 *   death in the last minute (up to 30 s), so that a crash loop does not spin.
 * - A worker that dies before it ever listened means the app cannot start (a bad setting, a
 *   database that is down): the primary stops the others and exits 1, as a single process would;
 *   the worker has printed why.
 * - SIGTERM or SIGINT: every worker gets SIGTERM and drains (the requests in flight finish); the
 *   primary exits 0 when all have exited 0, 1 otherwise or when one takes longer than the
 *   shutdown timeout (it is then killed). A second signal kills them at once.
 */
export function runPrimary({ workers, shutdownTimeoutMs, env, log }: ClusterOptions): void {
  const listening = new Set<number>();
  const deaths: number[] = [];
  let shuttingDown = false;
  let failed = false;
  let announced = false;

  const start = (): Worker => cluster.fork(env);

  cluster.on('listening', (worker, address) => {
    listening.add(worker.id);
    if (!announced && listening.size === workers) {
      announced = true;
      log.info(`Listening on port ${address.port} with ${workers} workers`);
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const served = listening.delete(worker.id);
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (shuttingDown) {
      failed ||= code !== 0;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info(`All workers have stopped`);
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!served) {
      log.error(`A worker stopped before it could serve (${how}); stopping`);
      failed = true;
      stop();
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths[0] < now - RECENT_DEATH_MS) {
      deaths.shift();
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (deaths.length - 1));
    log.warn(`Worker ${worker.process.pid} died (${how}); starting another in ${delay} ms`);
    setTimeout(() => {
      if (!shuttingDown) {
        start();
      }
    }, delay).unref();
  });

  function stop(): void {
    shuttingDown = true;
    const running = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    if (running.length === 0) {
      process.exit(failed ? 1 : 0);
    }
    for (const worker of running) {
      worker.process.kill('SIGTERM');
    }
    setTimeout(() => {
      log.error(`Workers still running ${shutdownTimeoutMs} ms after SIGTERM; killing them`);
      killAll();
    }, shutdownTimeoutMs + 1000).unref();
  }

  function killAll(): never {
    for (const worker of Object.values(cluster.workers ?? {})) {
      worker?.process.kill('SIGKILL');
    }
    process.exit(1);
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    process.removeAllListeners('SIGTERM').removeAllListeners('SIGINT');
    process.once('SIGTERM', killAll).once('SIGINT', killAll);
    log.info(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    stop();
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);

  log.info(`Starting ${workers} workers`);
  for (let i = 0; i < workers; i++) {
    start();
  }
}
