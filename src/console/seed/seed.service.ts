import { MikroORM } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { Post } from '../../posts/entities/post.entity';
import { User } from '../../users/entities/user.entity';
import { FakeData, type FakeUser } from './fake-data';

/** The tutorial's sample data: john and susan, and john's first post. */
export const SAMPLE_USERS = [
  { username: 'john', email: 'john@example.com' },
  { username: 'susan', email: 'susan@example.com' },
] as const;
export const SAMPLE_POST = { author: 'john', body: 'my first post!' } as const;

/** Rows per insert statement and per transaction in the bulk path. */
export const DEFAULT_BATCH_SIZE = 5000;

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

/**
 * Fills the database: the tutorial's sample data, or generated users and posts in bulk.
 * Every operation works on its own fork of the EntityManager (never the global one); the bulk
 * path inserts batches with `insertMany` (no entities, no identity map), one transaction per
 * batch, so memory stays flat however many rows are written.
 */
@Injectable()
export class SeedService {
  constructor(private readonly orm: MikroORM) {}

  /** Refuses to touch a database whose schema is not current. */
  async assertMigrated(): Promise<void> {
    const pending = await this.orm.getMigrator().getPendingMigrations();
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

  /** Adds whatever of the sample data is missing (by username); returns the rows it created. */
  async loadSample(): Promise<RowCounts> {
    return this.orm.em.fork().transactional(async (em) => {
      const created = { users: 0, posts: 0 };
      for (const data of SAMPLE_USERS) {
        if (!(await em.findOne(User, { username: data.username }))) {
          em.create(User, data);
          created.users++;
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

    const userIds: number[] = [];
    while (written.users < users) {
      if (signal?.aborted) {
        return { ...written, interrupted: true };
      }
      const count = Math.min(batchSize, users - written.users);
      const rows = Array.from({ length: count }, (_, i) =>
        fake.user(firstNumber + written.users + i),
      );
      userIds.push(...(await this.insertUsers(rows)));
      written.users += count;
      report();
      await nextTick();
    }

    while (written.posts < posts) {
      if (signal?.aborted) {
        return { ...written, interrupted: true };
      }
      const count = Math.min(batchSize, posts - written.posts);
      const rows = Array.from({ length: count }, () => {
        const { body, timestamp, authorIndex } = fake.post(userIds.length);
        return { body, timestamp, author: userIds[authorIndex] };
      });
      await this.orm.em.fork().transactional((em) => em.insertMany(Post, rows));
      written.posts += count;
      report();
      await nextTick();
    }
    return written;
  }

  /**
   * One batch of users in one transaction of its own (committed whole or not at all), and
   * their ids in the order given: `insertMany` returns only the last id on some drivers.
   */
  private insertUsers(rows: FakeUser[]): Promise<number[]> {
    return this.orm.em.fork().transactional(async (em) => {
      await em.insertMany(User, rows);
      const inserted = await em.find(
        User,
        { username: { $in: rows.map((r) => r.username) } },
        { fields: ['id', 'username'] },
      );
      const ids = new Map(inserted.map((u) => [u.username, u.id]));
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
