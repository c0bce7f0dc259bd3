/**
 * The raw baseline on N processes, as the app runs with `WEB_CONCURRENCY=N`: a node:cluster
 * primary that serves nothing and N workers of `raw.ts` sharing its port (the primary accepts
 * the connections and hands them to the workers in turn, as the app's primary does). Each worker
 * opens the same database file. Environment: raw.ts's, and WORKERS (at least 2).
 */
import cluster from 'node:cluster';
import { join } from 'node:path';

const workers = Number(process.env.WORKERS);
if (!Number.isInteger(workers) || workers < 2) {
  throw new Error(`WORKERS must be an integer of at least 2, not ${process.env.WORKERS}`);
}

cluster.setupPrimary({
  exec: join(__dirname, 'raw.ts'),
  execArgv: ['-r', '@swc-node/register'],
});
let stopping = false;
cluster.on('exit', (worker, code, signal) => {
  if (!stopping) {
    console.error(`raw worker ${worker.process.pid} died (${signal ?? `exit code ${code}`})`);
    process.exit(1);
  }
  if (Object.keys(cluster.workers ?? {}).length === 0) {
    process.exit(0);
  }
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) {
      worker?.process.kill('SIGTERM');
    }
  });
}
for (let i = 0; i < workers; i++) {
  cluster.fork();
}
