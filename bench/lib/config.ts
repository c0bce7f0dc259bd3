import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const BENCH_DIR = join(ROOT, 'bench');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** Signs the cursors of both the app and the raw baseline, so that their pages are identical. */
export const CURSOR_SECRET = 'bench-cursor-secret-not-for-production';

/**
 * Signs and verifies the access tokens of both the app and the raw baseline (32+ characters, as
 * the app requires with NODE_ENV=production), so that a token the app issued works on both.
 */
export const JWT_SECRET = 'bench-jwt-secret-not-for-production-0123456789';

export type Mode = 'full' | 'quick';

export interface DataSize {
  users: number;
  posts: number;
}

export interface BenchConfig {
  mode: Mode;
  /** Where this mode's databases live (git-ignored, rebuilt on every run). */
  dataDir: string;
  /**
   * The run's snapshot of `dist/`, which the app and the seed command run from. It lives in
   * node_modules/.cache, which git, ESLint and Prettier all leave alone.
   */
  distDir: string;
  /** The database the lists are measured on, and seeding is timed with. */
  large: DataSize;
  /** The same ~100 posts per user, 100x fewer posts: the scaling check. */
  small: DataSize;
  /** Seconds per measured run, warm-up per server and scenario, alternating rounds. */
  durationSec: number;
  warmupSec: number;
  rounds: number;
  /**
   * Concurrent connections for reads and POST /posts; the password-hashing writes (POST /users
   * and POST /auth/login, argon2id) use fewer.
   */
  connections: number;
  signupConnections: number;
  /**
   * The closed-loop load of the tail check (app p99 against raw's) and of the worker scaling:
   * enough connections to keep every process of both servers saturated.
   */
  saturatedConnections: number;
  /** Processes (`WEB_CONCURRENCY`) compared with one, for the app and the raw baseline. */
  workers: number;
  /**
   * Users given a password and signed in through the app before the writes: their sessions
   * and access tokens author POST /posts (and sign in again in the sign-in scenario).
   */
  accounts: number;
  /** The cursor page compared with page 1. */
  deepPage: number;
  fixedRateSec: number;
  /**
   * The fixed-rate run's unmeasured start, in its own client: every client process, on raw
   * too, had a burst of slow responses 2.2-2.9 s after its first request (bench/README.md,
   * "Tail latency"), so the measured part starts after it.
   */
  fixedRateWarmupSec: number;
  /**
   * Load before the first RSS reading. A minute: at ~3,500 mixed req/s V8 sizes its heap to
   * the allocation rate and SQLite's 64 MiB page cache fills over the first minute (heap in
   * use stays at 50-90 MiB after each GC), so a shorter warm-up reads that as growth.
   */
  memoryWarmupSec: number;
  memorySustainSec: number;
}

const FULL: Omit<BenchConfig, 'dataDir' | 'distDir'> = {
  mode: 'full',
  large: { users: 10_000, posts: 1_000_000 },
  small: { users: 100, posts: 10_000 },
  durationSec: 5,
  warmupSec: 2,
  rounds: 3,
  connections: 16,
  signupConnections: 8,
  saturatedConnections: 64,
  workers: 2,
  accounts: 256,
  deepPage: 500,
  fixedRateSec: 20,
  fixedRateWarmupSec: 5,
  memoryWarmupSec: 60,
  memorySustainSec: 60,
};

const QUICK: Omit<BenchConfig, 'dataDir' | 'distDir'> = {
  ...FULL,
  mode: 'quick',
  large: { users: 1_000, posts: 100_000 },
  durationSec: 1.5,
  warmupSec: 0.5,
  rounds: 1,
  accounts: 64,
  fixedRateSec: 3,
  fixedRateWarmupSec: 1,
  memoryWarmupSec: 2,
  memorySustainSec: 8,
};

const USAGE = `usage: npm run bench -- [--quick] [--connections N]
  --quick          reduced run (~1 min): 100k posts, short runs, one round
  --connections N  concurrent connections for reads and POST /posts (default 16)`;

/** The configuration for the command-line arguments; exits with usage on anything unknown. */
export function parseArgs(argv: string[]): BenchConfig {
  let base = FULL;
  let connections: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') {
      base = QUICK;
    } else if (arg === '--connections' && /^\d+$/.test(argv[i + 1] ?? '')) {
      connections = Number(argv[++i]);
    } else {
      console.error(arg === '--help' || arg === '-h' ? USAGE : `unknown argument ${arg}\n${USAGE}`);
      process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
    }
  }
  const dataDir = join(BENCH_DIR, '.data', base.mode);
  return {
    ...base,
    connections: connections ?? base.connections,
    dataDir,
    distDir: join(ROOT, 'node_modules', '.cache', 'microblog-bench', base.mode, 'dist'),
  };
}
