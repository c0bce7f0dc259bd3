import { randomBytes, randomInt } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { Command, CommandRunner, Option } from 'nest-commander';
import { PasswordHasher } from '../../users/password-hasher';
import { Progress } from './progress';
import {
  DEFAULT_BATCH_SIZE,
  MAX_BATCH_SIZE,
  SAMPLE_PASSWORD,
  SeedService,
  type RowCounts,
} from './seed.service';

export interface SeedOptions {
  users?: number;
  posts?: number;
  seed?: number;
  batchSize?: number;
  reset?: boolean;
  yes?: boolean;
}

const MAX_ROWS = 100_000_000;
const number = new Intl.NumberFormat('en-US');

function count(value: string, flag: string, min = 0, max = MAX_ROWS): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new RangeError(`${flag} must be a whole number from ${min} to ${number.format(max)}`);
  }
  return n;
}

function rows({ users, posts }: RowCounts): string {
  return (
    `${number.format(users)} user${users === 1 ? '' : 's'} and ` +
    `${number.format(posts)} post${posts === 1 ? '' : 's'}`
  );
}

/**
 * `npm run seed -- [options]`: the tutorial's sample data by default, or generated users and
 * posts. Runs on the database DATABASE_URL names, through Nest's application context (no HTTP).
 */
@Command({
  name: 'seed',
  description:
    'Load the sample data (john, susan, "my first post!"), or generate --users N and --posts M',
  options: { isDefault: true },
})
export class SeedCommand extends CommandRunner {
  constructor(
    private readonly seeder: SeedService,
    private readonly hasher: PasswordHasher,
  ) {
    super();
  }

  async run(_args: string[], options: SeedOptions): Promise<void> {
    await this.seeder.assertMigrated();
    if (options.reset && !(await this.reset(options.yes ?? false))) {
      return;
    }
    if (options.users === undefined && options.posts === undefined) {
      await this.loadSample();
      return;
    }
    await this.generate(options);
  }

  /**
   * The tutorial's sample data. Outside production john and susan get the documented
   * SAMPLE_PASSWORD; with NODE_ENV=production a random one, printed once.
   */
  private async loadSample(): Promise<void> {
    const production = process.env.NODE_ENV === 'production';
    const password = production ? randomBytes(18).toString('base64url') : SAMPLE_PASSWORD;
    const added = await this.seeder.loadSample(await this.hasher.hash(password));
    console.log(
      added.users + added.posts + added.passwordsSet === 0
        ? 'Sample data already present: nothing to add.'
        : `Sample data: added ${rows(added)}.`,
    );
    if (added.passwordsSet > 0) {
      console.log(
        production
          ? `Sample users' password (shown once): ${password}`
          : `Sign in as john or susan with the password "${password}".`,
      );
    }
  }

  private async reset(yes: boolean): Promise<boolean> {
    if (!yes && process.stdin.isTTY) {
      const before = await this.seeder.counts();
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(`Delete all ${rows(before)}? [y/N] `);
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.log('Nothing deleted.');
        return false;
      }
    }
    console.log(`Reset: deleted ${rows(await this.seeder.reset())}.`);
    return true;
  }

  private async generate(options: SeedOptions): Promise<void> {
    const users = options.users ?? 0;
    const posts = options.posts ?? 0;
    const seed = options.seed ?? randomInt(1, 2 ** 31);
    const progress = new Progress('seed', users + posts);
    const abort = new AbortController();
    const onSigint = () => {
      process.stderr.write('\nInterrupted: stopping after the batch in flight commits...\n');
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    const started = Date.now();
    try {
      const result = await this.seeder.generate({
        users,
        posts,
        seed,
        batchSize: options.batchSize,
        signal: abort.signal,
        onProgress: (done) => progress.update(done),
      });
      progress.finish();
      const seconds = (Date.now() - started) / 1000;
      const rate = number.format(Math.round((result.users + result.posts) / seconds));
      const summary = `${rows(result)} in ${seconds.toFixed(1)} s (${rate} rows/s), seed ${seed}`;
      if (result.interrupted) {
        console.log(`Interrupted: wrote ${summary}; no batch was left half-written.`);
        process.exitCode = 130;
      } else {
        console.log(`Seeded ${summary}.`);
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  }

  @Option({ flags: '--users <n>', description: 'generate N users' })
  parseUsers(value: string): number {
    return count(value, '--users');
  }

  @Option({ flags: '--posts <n>', description: 'generate M posts spread over the new users' })
  parsePosts(value: string): number {
    return count(value, '--posts');
  }

  @Option({ flags: '--seed <s>', description: 'random seed: the same seed writes the same rows' })
  parseSeed(value: string): number {
    return count(value, '--seed', 0, 2 ** 31 - 1);
  }

  @Option({
    flags: '--batch-size <n>',
    description: `rows per transaction, the unit Ctrl-C waits for (${number.format(DEFAULT_BATCH_SIZE)})`,
  })
  parseBatchSize(value: string): number {
    return count(value, '--batch-size', 1, MAX_BATCH_SIZE);
  }

  @Option({ flags: '--reset', description: 'empty both tables first (asks on a terminal)' })
  parseReset(): boolean {
    return true;
  }

  @Option({ flags: '-y, --yes', description: 'do not ask before --reset' })
  parseYes(): boolean {
    return true;
  }
}
