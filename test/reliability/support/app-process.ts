import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_PATTERN } from '../../support/api';
import { PROJECT_DIR } from '../../support/processes';

/** The built app that `npm run start:prod` runs; `npm run test:reliability` builds it first. */
export const BUILT_MAIN = join(PROJECT_DIR, 'dist', 'src', 'main.js');

/**
 * The key the app signs access tokens with in these runs: production refuses to start without
 * one. Like any secret, it must never be printed.
 */
export const JWT_SECRET = 'reliability-suite-jwt-secret-4f1c9a7e2b6d80';

/** Characters of tokens, hashes and the suite's passwords: where such a secret can hide. */
const TOKEN_CHARS = /^[\w.~+/=$,-]+$/;
const TOKEN_RUNS = /[\w.~+/=$,-]+/g;

/**
 * Which of `secrets` occur in `text`. Secrets made of token characters are looked up by length
 * in the runs of such characters the text has, so that thousands of tokens cost one pass over
 * a long log; any other secret is searched for as it is.
 */
export function secretsIn(text: string, secrets: Iterable<string>): Set<string> {
  const found = new Set<string>();
  const byLength = new Map<number, Set<string>>();
  for (const secret of secrets) {
    if (secret === '') {
      continue;
    }
    if (!TOKEN_CHARS.test(secret)) {
      if (text.includes(secret)) {
        found.add(secret);
      }
      continue;
    }
    const sameLength = byLength.get(secret.length) ?? new Set<string>();
    byLength.set(secret.length, sameLength.add(secret));
  }
  for (const [run] of text.matchAll(TOKEN_RUNS)) {
    for (const [length, candidates] of byLength) {
      for (let at = 0; at + length <= run.length; at++) {
        const piece = run.slice(at, at + length);
        if (candidates.has(piece)) {
          found.add(piece);
        }
      }
    }
  }
  return found;
}

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
  /**
   * `env` adds to or overrides the defaults: production, `JWT_SECRET`, an `info` log, and the
   * sign-up and sign-in rate limits off (e2e tests them; here they would only refuse the load).
   * A variable set to `undefined` is left out.
   */
  static start(
    databaseUrl: string,
    env: Record<string, string | undefined> = {},
  ): Promise<AppProcess> {
    if (!existsSync(BUILT_MAIN)) {
      throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first`);
    }
    const workers = Number(env.WEB_CONCURRENCY ?? 1);
    // Listening: the one process's line, or the primary's once every worker listens.
    const listening =
      workers > 1
        ? new RegExp(`Listening on port (\\d+) with ${workers} workers`)
        : /Listening on http:\/\/\S+:(\d+)/;
    const child = spawn(process.execPath, [BUILT_MAIN], {
      cwd: PROJECT_DIR,
      // A process group of its own, so that `kill()` reaches the workers too.
      detached: true,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: '0',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'info',
        SIGNUP_RATE_LIMIT: '0',
        LOGIN_RATE_LIMIT: '0',
        JWT_SECRET,
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
        const port = listening.exec(output)?.[1];
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

  /**
   * `kill -9` of the app: of the process and, with `WEB_CONCURRENCY`, of its workers, all at
   * once, as a crash of the machine would end them. Resolves when the process has ended.
   */
  async kill(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(-this.child.pid!, 'SIGKILL');
    }
    return this.exited;
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

  /**
   * The lines the app printed that give a secret away: that SECRET_PATTERN matches (a password
   * field, an argon2 or scrypt hash, `Bearer <token>`, a JWT, a `refreshToken` field), that
   * hold JWT_SECRET, or that hold one of `secrets` (the passwords, tokens and hashes the test
   * knows of). Empty when the logs are clean.
   */
  secretLines(secrets: Iterable<string> = []): string[] {
    const lines = this.output.split('\n');
    const found = [...secretsIn(this.output, [JWT_SECRET, ...secrets])];
    return lines.filter(
      (line) => SECRET_PATTERN.test(line) || found.some((secret) => line.includes(secret)),
    );
  }
}
