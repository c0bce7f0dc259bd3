import { join } from 'node:path';
import { type BenchConfig, CURSOR_SECRET, JWT_SECRET } from './config';
import { copyDatabase, databaseUrl, removeDatabase } from './databases';
import { type Server, startServer, tsNode, withServers } from './processes';

/**
 * The built app, in production settings with logging at warn and no sign-up or sign-in rate
 * limit (the load comes from one address, and signs the same accounts in again and again), on
 * `workers` processes (`WEB_CONCURRENCY`).
 */
export function startApp(config: BenchConfig, file: string, workers = 1): Promise<Server> {
  const name = workers === 1 ? 'app' : `app x${workers}`;
  return startAppOn(config, name, databaseUrl(file), { WEB_CONCURRENCY: String(workers) });
}

/** The built app as `startApp` runs it, on any `DATABASE_URL`, with `extra` variables. */
export function startAppOn(
  config: BenchConfig,
  name: string,
  url: string,
  extra: Record<string, string> = {},
): Promise<Server> {
  const env = {
    DATABASE_URL: url,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    SIGNUP_RATE_LIMIT: '0',
    LOGIN_RATE_LIMIT: '0',
    CURSOR_SECRET,
    JWT_SECRET,
    ...extra,
  };
  return startServer(name, [join(config.distDir, 'src', 'main.js')], env, '/health');
}

/**
 * The raw node:http + better-sqlite3 baseline (bench/servers/raw.ts); `extra` adds to its
 * environment (ARGON2_PARAMS). With `workers` > 1, that many processes of it on one port
 * (bench/servers/raw-cluster.ts), as the app runs with `WEB_CONCURRENCY`.
 */
export function startRaw(
  file: string,
  extra: Record<string, string> = {},
  workers = 1,
): Promise<Server> {
  const env = { ...extra, DATABASE_FILE: file, CURSOR_SECRET, JWT_SECRET };
  if (workers === 1) {
    return startServer('raw', tsNode('bench/servers/raw.ts'), env, '/health');
  }
  return startServer(
    `raw x${workers}`,
    tsNode('bench/servers/raw-cluster.ts'),
    { ...env, WORKERS: String(workers) },
    '/health',
  );
}

/** One of the bare framework servers (bench/servers/bare-*.ts), answering GET /hello. */
export function startBare(name: string, script: string): Promise<Server> {
  return startServer(name, tsNode(`bench/servers/${script}`), {}, '/hello');
}

/**
 * Runs `fn` with the app and the raw baseline, each on its own identical copy of `source`;
 * stops both and deletes the copies afterwards, whatever happens.
 */
export async function withAppAndRaw<T>(
  config: BenchConfig,
  source: string,
  tag: string,
  fn: (pair: [app: Server, raw: Server]) => Promise<T>,
  rawEnv: Record<string, string> = {},
): Promise<T> {
  const appFile = copyDatabase(source, source.replace(/\.db$/, `-${tag}-app.db`));
  const rawFile = copyDatabase(source, source.replace(/\.db$/, `-${tag}-raw.db`));
  try {
    return await withServers(
      [() => startApp(config, appFile), () => startRaw(rawFile, rawEnv)],
      ([app, raw]) => fn([app, raw]),
    );
  } finally {
    removeDatabase(appFile);
    removeDatabase(rawFile);
  }
}

/** Runs `fn` with the app alone on a throwaway copy of `source`. */
export async function withApp<T>(
  config: BenchConfig,
  source: string,
  tag: string,
  fn: (app: Server) => Promise<T>,
): Promise<T> {
  const file = copyDatabase(source, source.replace(/\.db$/, `-${tag}.db`));
  try {
    return await withServers([() => startApp(config, file)], ([app]) => fn(app));
  } finally {
    removeDatabase(file);
  }
}
