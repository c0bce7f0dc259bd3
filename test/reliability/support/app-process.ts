import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_DIR } from '../../support/processes';

/** The built app that `npm run start:prod` runs; `npm run test:reliability` builds it first. */
export const BUILT_MAIN = join(PROJECT_DIR, 'dist', 'src', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The built app as a real process on the database `databaseUrl` names, on a port of its own.
 * Everything it prints is kept in `output`, so that tests can read its logs.
 */
export class AppProcess {
  output = '';
  readonly exited: Promise<Exit>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    output: string,
    exited: Promise<Exit>,
  ) {
    this.output = output;
    this.exited = exited;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts the app and resolves once it listens; rejects with its output if it exits first. */
  static start(databaseUrl: string, env: Record<string, string> = {}): Promise<AppProcess> {
    if (!existsSync(BUILT_MAIN)) {
      throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first`);
    }
    const child = spawn(process.execPath, [BUILT_MAIN], {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: '0',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'info',
        SIGNUP_RATE_LIMIT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<Exit>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return new Promise((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const port = /Listening on http:\/\/\S+:(\d+)/.exec(output)?.[1];
        if (port) {
          child.stdout?.off('data', onData);
          child.stderr?.off('data', onData);
          resolve(new AppProcess(child, Number(port), output, exited));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void exited.then(({ code, signal }) =>
        reject(new Error(`app exited (${code ?? signal}) before listening:\n${output}`)),
      );
    });
  }

  /** Sends `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
    return this.exited;
  }

  /** The JSON log lines the app has printed so far. */
  logLines(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
