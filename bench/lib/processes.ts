import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './config';

/** Every child still running: killed on exit, on Ctrl-C and on failure. */
const children = new Set<ChildProcess>();
const OUTPUT_LINES = 40;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** Resident set size in KiB, from /proc/<pid>/status. */
  rssKiB(): number;
  /** How the server ended if it ended without `stop()` (crash, or a kill from outside). */
  diedOf(): string | undefined;
  stop(): Promise<void>;
}

export interface CommandResult {
  stdout: string;
  seconds: number;
}

/** Kills every child when the orchestrator ends, however it ends. */
export function installCleanup(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping ${children.size} child process(es)`);
      killAll();
      process.exit(130);
    });
  }
}

function killAll(): void {
  for (const child of children) {
    child.kill('SIGKILL');
  }
  children.clear();
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Node with the project's TypeScript hook (SWC), for the TypeScript servers in bench/servers. */
export function tsNode(script: string): string[] {
  return ['-r', '@swc-node/register', script];
}

function launch(name: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const output = () =>
    lines.length ? `\n--- last output of ${name} ---\n${lines.join('\n')}` : '';
  return { child, exited, output };
}

/** Runs a Node script to completion; throws with its output when it fails. */
export async function runNode(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  const started = performance.now();
  const { child, exited, output } = launch(name, args, env);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const { code, signal } = await exited;
  if (code !== 0) {
    throw new Error(`${name} failed (${signal ?? `exit ${code}`})${output()}`);
  }
  return { stdout, seconds: (performance.now() - started) / 1000 };
}

/** Starts a server and waits until `readyPath` answers 200. */
export async function startServer(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyPath: string,
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, exited, output } = launch(name, args, { ...env, PORT: String(port) });
  let stopping = false;
  let died: string | undefined;
  void exited.then(({ code, signal }) => {
    if (!stopping) {
      died = `${name} (pid ${child.pid}) exited unexpectedly: ${signal ?? `exit code ${code}`}`;
      console.error(`!! ${died}${code === 0 ? ' (a SIGTERM from outside the benchmark?)' : ''}`);
      died += output();
    }
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(url + readyPath))) {
    if (died !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start (${readyPath} never answered 200)${output()}`);
    }
    await sleep(100);
  }
  return {
    name,
    url,
    pid: child.pid!,
    rssKiB: () => rssKiB(child.pid!),
    diedOf: () => died,
    async stop() {
      stopping = true;
      if (died !== undefined || child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs `fn` with servers started in order, and always stops them afterwards. */
export async function withServers<T>(
  starters: (() => Promise<Server>)[],
  fn: (servers: Server[]) => Promise<T>,
): Promise<T> {
  const servers: Server[] = [];
  try {
    for (const start of starters) {
      servers.push(await start());
    }
    return await fn(servers);
  } catch (err) {
    // "Connection refused" is what a failed run sees; say which server went away, and how.
    const dead = servers.map((server) => server.diedOf()).filter((d) => d !== undefined);
    if (dead.length > 0 && err instanceof Error) {
      err.message += `\n${dead.join('\n')}`;
    }
    throw err;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) {
    throw new Error(`no VmRSS for pid ${pid}`);
  }
  return Number(match[1]);
}
