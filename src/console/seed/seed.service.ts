import { MikroORM, type EntityData } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import type { QueryDatabase } from '../../database/query-database';
import { QUERY_DATABASE } from '../../database/read-queries';
import { Post } from '../../posts/entities/post.entity';
import { User } from '../../users/entities/user.entity';
import { BulkInsert } from './bulk-insert';
import { FakeData, type FakeUser } from './fake-data';

/** The tutorial's sample data: john and susan, and john's first post. */
export const SAMPLE_USERS = [
  { username: 'john', email: 'john@example.com' },
  { username: 'susan', email: 'susan@example.com' },
] as const;
export const SAMPLE_POST = { author: 'john', body: 'my first post!' } as const;

/**
 * The sample users' password outside production, so that a new user following the README can
 * sign in as john. Documented, hence never used with NODE_ENV=production (the seed command
 * makes a random one there and prints it).
 */
export const SAMPLE_PASSWORD = 'correct horse battery staple';

/**
 * Rows per transaction in the bulk path: the unit that commits whole, that Ctrl-C waits for and
 * that progress counts in (about a second's work on SQLite). A commit writes back every index
 * page the batch touched, and random timestamps and authors touch most of them whatever the
 * batch size, so larger batches cost less per row: 1M posts on SQLite took 28 s in 5,000-row
 * batches, 10 s in 100,000-row ones.
 */
export const DEFAULT_BATCH_SIZE = 100_000;

/**
 * The largest batch `--batch-size` takes: Ctrl-C waits for the batch in flight to commit, and a
 * batch of users is held in memory. Larger batches gain little (see above).
 */
export const MAX_BATCH_SIZE = DEFAULT_BATCH_SIZE;

/** Usernames per query when looking up the ids of new users (the ORM writes them into the SQL). */
const USER_LOOKUP_CHUNK = 1000;

export class PendingMigrationsError extends Error {
  override name = 'PendingMigrationsError';
}

export interface RowCounts {
  users: number;
  posts: number;
}

export interface GenerateOptions {
  users: number;
  posts: number;
  seed: number;
  /** Posts are spread over the year before this instant (default: today, 00:00 UTC). */
  referenceDate?: Date;
  batchSize?: number;
  /** Checked between batches: an aborted run stops after the batch in flight commits. */
  signal?: AbortSignal;
  /** Called after each committed batch with the rows written so far. */
  onProgress?: (rowsWritten: number) => void;
}

export interface GenerateResult extends RowCounts {
  interrupted: boolean;
}

/**
 * Lets the event loop run between batches: better-sqlite3 is synchronous, so without this a
 * long run would never get to handle Ctrl-C (or flush its progress output).
 */
function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Start of the current day in UTC: the default reference date, so a seed gives the same rows all day. */
export function startOfUtcDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** `count` posts by the users whose ids are given, generated as they are inserted. */
function* fakePosts(fake: FakeData, count: number, userIds: number[]): Generator<EntityData<Post>> {
  for (let i = 0; i < count; i++) {
    const { body, timestamp, authorIndex } = fake.post(userIds.length);
    yield { body, timestamp, author: userIds[authorIndex] };
  }
}

/**
 * Fills the database: the tutorial's sample data, or generated users and posts in bulk.
 * Every operation works on its own fork of the EntityManager (never the global one); the bulk
 * path writes multi-row INSERTs of plain values (no entities, no identity map), one transaction
 * per batch, generating rows as they are written, so memory stays flat however many there are.
 */
@Injectable()
export class SeedService {
  constructor(
    private readonly orm: MikroORM,
    @Inject(QUERY_DATABASE) private readonly db: QueryDatabase,
  ) {}

  /** Refuses to touch a database whose schema is not current. */
  async assertMigrated(): Promise<void> {
    const pending = await this.orm.migrator.getPending();
    if (pending.length > 0) {
      throw new PendingMigrationsError(
        `The database has ${pending.length} pending migration(s) ` +
          `(${pending.map((m) => m.name).join(', ')}): run \`npx mikro-orm migration:up\` first.`,
      );
    }
  }

  async counts(): Promise<RowCounts> {
    const em = this.orm.em.fork();
    const [users, posts] = await Promise.all([em.count(User), em.count(Post)]);
    return { users, posts };
  }

  /** Empties both tables, posts first, in one transaction; returns what was deleted. */
  async reset(): Promise<RowCounts> {
    return this.orm.em.fork().transactional(async (em) => ({
      posts: await em.nativeDelete(Post, {}),
      users: await em.nativeDelete(User, {}),
    }));
  }

  /**
   * Adds whatever of the sample data is missing (by username), and gives a sample user without
   * a password the one hashed in `passwordHash`. Returns the rows it created and how many
   * sample users got the password.
   */
  async loadSample(passwordHash: string): Promise<RowCounts & { passwordsSet: number }> {
    return this.orm.em.fork().transactional(async (em) => {
      const created = { users: 0, posts: 0, passwordsSet: 0 };
      for (const data of SAMPLE_USERS) {
        const user = await em.findOne(
          User,
          { username: data.username },
          { populate: ['passwordHash'] },
        );
        if (!user) {
          em.create(User, { ...data, passwordHash });
          created.users++;
          created.passwordsSet++;
        } else if (!user.passwordHash) {
          user.passwordHash = passwordHash;
          created.passwordsSet++;
        }
      }
      await em.flush();
      const author = await em.findOneOrFail(User, { username: SAMPLE_POST.author });
      if (!(await em.findOne(Post, { author, body: SAMPLE_POST.body }))) {
        em.create(Post, { author, body: SAMPLE_POST.body });
        created.posts++;
      }
      return created;
    });
  }

  /**
   * Generates `users` users, then `posts` posts spread over them, deterministically for a
   * seed. Usernames are numbered after the highest existing user id, so a run appends to
   * existing data without clashing, and two runs on empty databases write identical rows.
   */
  async generate(options: GenerateOptions): Promise<GenerateResult> {
    const { users, posts, seed, batchSize = DEFAULT_BATCH_SIZE, signal, onProgress } = options;
    if (posts > 0 && users === 0) {
      throw new RangeError('--posts needs users to write them: pass --users N as well');
    }
    const fake = new FakeData(seed, options.referenceDate ?? startOfUtcDay());
    const firstNumber = (await this.maxUserId()) + 1;
    const written: GenerateResult = { users: 0, posts: 0, interrupted: false };
    const report = () => onProgress?.(written.users + written.posts);

    const userInsert = new BulkInsert(this.orm, User, ['username', 'email']);
    const userIds: number[] = [];
    while (written.users < users) {
      if (signal?.aborted) {
        return { ...written, interrupted: true };
      }
      const count = Math.min(batchSize, users - written.users);
      const rows = Array.from({ length: count }, (_, i) =>
        fake.user(firstNumber + written.users + i),
      );
      for (const id of await this.insertUsers(userInsert, rows)) {
        userIds.push(id);
      }
      written.users += count;
      report();
      await nextTick();
    }

    const postInsert = new BulkInsert(this.orm, Post, ['body', 'timestamp', 'author']);
    while (written.posts < posts) {
      if (signal?.aborted) {
        return { ...written, interrupted: true };
      }
      const count = Math.min(batchSize, posts - written.posts);
      await this.orm.em
        .fork()
        .transactional(() => postInsert.insert(this.db, fakePosts(fake, count, userIds)));
      written.posts += count;
      report();
      await nextTick();
    }
    return written;
  }

  /**
   * One batch of users in one transaction of its own (committed whole or not at all), and
   * their ids in the order given: a multi-row insert reports only one id on some drivers.
   */
  private insertUsers(userInsert: BulkInsert<User>, rows: FakeUser[]): Promise<number[]> {
    return this.orm.em.fork().transactional(async (em) => {
      await userInsert.insert(this.db, rows);
      const ids = new Map<string, number>();
      for (let i = 0; i < rows.length; i += USER_LOOKUP_CHUNK) {
        const usernames = rows.slice(i, i + USER_LOOKUP_CHUNK).map((r) => r.username);
        const found = await em.find(
          User,
          { username: { $in: usernames } },
          { fields: ['id', 'username'], disableIdentityMap: true },
        );
        for (const { id, username } of found) {
          ids.set(username, id);
        }
      }
      return rows.map((r) => ids.get(r.username)!);
    });
  }

  private async maxUserId(): Promise<number> {
    const last = await this.orm.em
      .fork()
      .findOne(User, { id: { $gt: 0 } }, { orderBy: { id: 'desc' }, fields: ['id'] });
    return last?.id ?? 0;
  }
}
