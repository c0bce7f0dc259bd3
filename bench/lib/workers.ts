import type { BenchConfig } from './config';
import { type Comparison, compare } from './compare';
import { copyDatabase, removeDatabase } from './databases';
import { withServers } from './processes';
import type { Scenario } from './scenarios';
import { startApp, startRaw } from './servers';

/** Throughput of one process against `workers` processes on one port, for one server. */
export interface Scaled {
  oneRps: number;
  manyRps: number;
  /** manyRps / (workers * oneRps): 1 is perfect scaling. */
  efficiency: number;
  oneP99: number;
  manyP99: number;
}

export interface WorkerScaling {
  label: string;
  workers: number;
  connections: number;
  app: Scaled;
  raw: Scaled;
}

function scaled(c: Comparison, workers: number): Scaled {
  return {
    oneRps: c.app.rps,
    manyRps: c.base.rps,
    efficiency: c.base.rps / (workers * c.app.rps),
    oneP99: c.app.p99,
    manyP99: c.base.p99,
  };
}

/**
 * One worker against `config.workers` (`WEB_CONCURRENCY`), for the app and for the raw
 * baseline (as many processes of it on one port), each scenario at `config.saturatedConnections`:
 * the app's pair alternates, then raw's. Four servers, each on its own copy of `source`.
 */
export async function workerScaling(
  config: BenchConfig,
  source: string,
  data: string,
  list: Scenario[],
): Promise<WorkerScaling[]> {
  const { workers, saturatedConnections: connections } = config;
  const copy = (name: string) => copyDatabase(source, source.replace(/\.db$/, `-${name}.db`));
  const files = ['app1', 'appN', 'raw1', 'rawN'].map(copy);
  try {
    return await withServers(
      [
        () => startApp(config, files[0]),
        () => startApp(config, files[1], workers),
        () => startRaw(files[2]),
        () => startRaw(files[3], {}, workers),
      ],
      async ([app1, appN, raw1, rawN]) => {
        const results: WorkerScaling[] = [];
        for (const scenario of list) {
          const app = await compare(scenario, [app1, appN], data, config, { connections });
          const raw = await compare(scenario, [raw1, rawN], data, config, { connections });
          results.push({
            label: scenario.label,
            workers,
            connections,
            app: scaled(app, workers),
            raw: scaled(raw, workers),
          });
        }
        return results;
      },
    );
  } finally {
    files.forEach(removeDatabase);
  }
}
