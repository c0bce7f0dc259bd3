import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { type BenchConfig, type DataSize, ROOT } from './config';
import { runNode } from './processes';
import { randomBody, seededRandom } from './random';

export interface Seeding {
  posts: number;
  users: number;
  /** The seed command's own figure (users and posts, without process start-up). */
  seedSec: number;
  /** Wall clock of the seed command, start-up included. */
  seedWallSec: number;
  /** Raw prepared INSERT of the same number of posts in one transaction. */
  rawSec: number;
}

export interface Prepared {
  large: string;
  small: string;
  seeding: Seeding;
}

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const SEED_SUMMARY = /^Seeded .* in ([\d.]+) s /m;
const MIKRO_ORM_CLI = join(dirname(require.resolve('@mikro-orm/cli/package.json')), 'cli.js');

export function databaseUrl(file: string): string {
  // SQLAlchemy's form for an absolute path: sqlite:// + / + /abs/path (four slashes).
  return `sqlite:///${file}`;
}

/**
 * Empties this mode's data folder and snapshots the build (`config.distDir`): the app and the
 * seed command run from the snapshot, so that another `npm run build` (which deletes `dist/`
 * first) cannot pull the code from under a running benchmark.
 */
export function freshDataDir(config: BenchConfig): void {
  rmSync(config.dataDir, { recursive: true, force: true });
  mkdirSync(config.dataDir, { recursive: true });
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` first');
  }
  rmSync(config.distDir, { recursive: true, force: true });
  cpSync(dist, config.distDir, { recursive: true });
}

/**
 * Builds this mode's databases: the schema through the app's migrations, the large and the
 * small data set through the seed command's bulk path (timed: that is the "seed" scenario), and
 * the raw insert baseline on a copy holding the same users.
 */
export async function prepareDatabases(
  config: BenchConfig,
  log: (line: string) => void,
): Promise<Prepared> {
  const file = (name: string) => join(config.dataDir, `${name}.db`);

  log('migrating an empty database');
  await runNode('migration:up', [MIKRO_ORM_CLI, 'migration:up'], {
    DATABASE_URL: databaseUrl(file('template')),
  });
  checkpoint(file('template'));

  log(`seeding ${sizeLabel(config.large)} with the seed command`);
  copyDatabase(file('template'), file('large'));
  const timed = await seed(config, file('large'), config.large);
  log(`seeding ${sizeLabel(config.small)}`);
  copyDatabase(file('template'), file('small'));
  await seed(config, file('small'), config.small);

  log(`raw insert of ${config.large.posts.toLocaleString('en-US')} posts`);
  copyDatabase(file('template'), file('raw-insert'));
  const rawSec = rawInsert(file('raw-insert'), file('large'), config.large.posts);
  removeDatabase(file('raw-insert'));

  return {
    large: file('large'),
    small: file('small'),
    seeding: { ...config.large, ...timed, rawSec },
  };
}

async function seed({ distDir }: BenchConfig, file: string, { users, posts }: DataSize) {
  const script = join(distDir, 'src', 'console', 'seed.js');
  const { stdout, seconds } = await runNode(
    'seed',
    [script, '--users', String(users), '--posts', String(posts), '--seed', '1'],
    { DATABASE_URL: databaseUrl(file), LOG_LEVEL: 'warn' },
  );
  checkpoint(file);
  const reported = SEED_SUMMARY.exec(stdout);
  if (!reported) {
    throw new Error(`the seed command did not print its summary line:\n${stdout}`);
  }
  return { seedSec: Number(reported[1]), seedWallSec: seconds };
}

/**
 * What the seed command is compared with: one prepared INSERT, random bodies and timestamps,
 * all posts in one transaction, on a connection set up like the app's (WAL, synchronous NORMAL).
 * The users are copied from `usersFrom` first, outside the timed part.
 */
function rawInsert(file: string, usersFrom: string, posts: number): number {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -65536');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`ATTACH DATABASE '${usersFrom.replaceAll("'", "''")}' AS src`);
    db.exec('INSERT INTO user SELECT * FROM src.user');
    db.exec('DETACH DATABASE src');
    const userIds = db
      .prepare<[], { id: number }>('SELECT id FROM user')
      .all()
      .map((u) => u.id);
    const random = seededRandom(1);
    const now = Date.now();
    const insert = db.prepare<[string, number, number]>(
      'INSERT INTO post (body, timestamp, user_id) VALUES (?, ?, ?)',
    );
    const started = performance.now();
    db.transaction(() => {
      for (let i = 0; i < posts; i++) {
        const author = userIds[Math.floor(random() * userIds.length)];
        insert.run(randomBody(random), Math.floor(now - random() * YEAR_MS), author);
      }
    })();
    return (performance.now() - started) / 1000;
  } finally {
    db.close();
  }
}

/** Folds the WAL into the main file, so that a plain file copy is the whole database. */
export function checkpoint(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** An identical copy of a (checkpointed) database file, replacing any earlier one. */
export function copyDatabase(from: string, to: string): string {
  removeDatabase(to);
  copyFileSync(from, to);
  return to;
}

/** Deletes a database file with its WAL and shared-memory files. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(file + suffix, { force: true });
  }
}

/** The ids of all users, for random picks. */
export function userIds(file: string): number[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { id: number }>('SELECT id FROM user ORDER BY id')
      .all()
      .map((u) => u.id);
  } finally {
    db.close();
  }
}

export function sizeLabel({ users, posts }: DataSize): string {
  return `${users.toLocaleString('en-US')} users + ${posts.toLocaleString('en-US')} posts`;
}
