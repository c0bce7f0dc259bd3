import type { Cluster } from 'node:cluster';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { RedisConnection } from '../../redis/redis-connection';

/**
 * The signed-in users who wrote in the last `READ_YOUR_WRITES_WINDOW` ms: their reads go to the
 * primary meanwhile, so that they see what they wrote even on a replica that lags. Both methods
 * never throw: when the store cannot tell, the answer is yes (the primary is always right).
 */
export abstract class RecentWriters {
  /** `userId` has just written. Resolves once every process of the app will see it. */
  abstract mark(userId: number): Promise<void>;

  /** Whether `userId` wrote within the window, or the store cannot tell. */
  abstract wroteLately(userId: number): Promise<boolean>;
}

/**
 * In Redis (`REDIS_URL`), for every process and instance: one key per writer that expires with
 * the window (`SET recent-writer:<id> 1 PX <window>`). While Redis does not answer, and for one
 * window after a failure (marks made meanwhile were lost), every signed-in user counts as a
 * recent writer: their reads go to the primary. Failures are reported to `RedisConnection`,
 * which logs them once and finds out when Redis is back.
 */
export class RedisRecentWriters extends RecentWriters {
  /** Until when (ms) marks may be missing: Redis failed within the last window. */
  private unsureUntil = -Infinity;

  constructor(
    private readonly redis: Pick<RedisConnection, 'client' | 'available' | 'reportFailure'>,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async mark(userId: number): Promise<void> {
    if (!this.redis.available) {
      this.unsure();
      return;
    }
    try {
      await this.redis.client.set(keyOf(userId), '1', 'PX', this.windowMs);
    } catch (err) {
      this.redis.reportFailure(err);
      this.unsure();
    }
  }

  async wroteLately(userId: number): Promise<boolean> {
    if (!this.redis.available) {
      this.unsure();
      return true;
    }
    if (this.now() < this.unsureUntil) {
      return true;
    }
    try {
      return (await this.redis.client.exists(keyOf(userId))) > 0;
    } catch (err) {
      this.redis.reportFailure(err);
      this.unsure();
      return true;
    }
  }

  private unsure(): void {
    this.unsureUntil = this.now() + this.windowMs;
  }
}

function keyOf(userId: number): string {
  return `recent-writer:${userId}`;
}

/** Each writer, and until when (ms since the epoch) their reads go to the primary. */
type Marks = [userId: number, until: number][];

/** Marks by user, each kept until it expires (swept at most once per window). */
class MarkTable {
  private readonly until = new Map<number, number>();
  private nextSweep = 0;

  constructor(private readonly windowMs: number) {}

  add(marks: Marks, now: number): void {
    for (const [userId, until] of marks) {
      if (until > (this.until.get(userId) ?? -Infinity)) {
        this.until.set(userId, until);
      }
    }
    if (now >= this.nextSweep) {
      this.nextSweep = now + this.windowMs;
      for (const [userId, until] of this.until) {
        if (until <= now) {
          this.until.delete(userId);
        }
      }
    }
  }

  has(userId: number, now: number): boolean {
    return (this.until.get(userId) ?? -Infinity) > now;
  }

  /** The marks that still run. */
  live(now: number): Marks {
    return [...this.until].filter(([, until]) => until > now);
  }
}

/**
 * The IPC message between the workers of `WEB_CONCURRENCY` and their primary process, both ways.
 * A worker sends its new marks with a `seq`; the primary passes them on to the other workers
 * (without `seq`) and answers the sender with the same `seq`, once it has. A worker that starts
 * sends no marks: the primary then answers with all it knows.
 */
interface MarksMessage {
  type: typeof MARKS_MESSAGE;
  marks: Marks;
  seq?: number;
}

const MARKS_MESSAGE = 'microblog:recent-writers';

/** How long a worker waits for the primary to pass its marks on, at most, in ms. */
export const RELAY_TIMEOUT_MS = 200;

function isMarksMessage(message: unknown): message is MarksMessage {
  return (message as MarksMessage | null)?.type === MARKS_MESSAGE;
}

/** What a worker needs of its process: the IPC channel to the primary. */
export type WorkerChannel = Pick<NodeJS.Process, 'send' | 'on' | 'off'>;

/**
 * In this process's memory, when there is no Redis. With `WEB_CONCURRENCY` > 1, each worker also
 * sends its marks to the primary process, which passes them on to every other worker, and the
 * write's response waits until it has: a connection the client opens next is handed to a worker
 * by that same primary, after the marks. A worker that starts asks the primary for the marks
 * still running before it serves. (Several instances without Redis do not share marks: give them
 * a `REDIS_URL`.)
 */
export class MemoryRecentWriters extends RecentWriters implements OnModuleInit, OnModuleDestroy {
  private readonly marks: MarkTable;
  private seq = 0;
  private readonly pending = new Map<number, () => void>();

  constructor(
    private readonly windowMs: number,
    /** The channel to the primary, in a worker of `WEB_CONCURRENCY`; none otherwise. */
    private readonly channel?: WorkerChannel,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.marks = new MarkTable(windowMs);
    channel?.on('message', this.receive);
  }

  /** In a worker: the marks the other workers made lately, before this one serves. */
  async onModuleInit(): Promise<void> {
    await this.send([]);
  }

  /** Stops listening to the primary. */
  onModuleDestroy(): void {
    this.channel?.off('message', this.receive);
    for (const resolve of this.pending.values()) {
      resolve();
    }
  }

  async mark(userId: number): Promise<void> {
    const now = this.now();
    const marks: Marks = [[userId, now + this.windowMs]];
    this.marks.add(marks, now);
    await this.send(marks);
  }

  wroteLately(userId: number): Promise<boolean> {
    return Promise.resolve(this.marks.has(userId, this.now()));
  }

  private readonly receive = (message: unknown): void => {
    if (!isMarksMessage(message)) {
      return;
    }
    this.marks.add(message.marks, this.now());
    if (message.seq !== undefined) {
      this.pending.get(message.seq)?.();
    }
  };

  /** Sends marks to the primary and waits for its answer (at most `RELAY_TIMEOUT_MS`). */
  private send(marks: Marks): Promise<void> {
    const channel = this.channel;
    if (!channel?.send) {
      return Promise.resolve();
    }
    const seq = ++this.seq;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(seq);
        resolve();
      };
      const timer = setTimeout(done, RELAY_TIMEOUT_MS);
      this.pending.set(seq, done);
      const message: MarksMessage = { type: MARKS_MESSAGE, marks, seq };
      try {
        channel.send?.(message, undefined, undefined, (err: Error | null) => err && done());
      } catch {
        done(); // the channel is closed: the primary is gone, and this worker with it
      }
    });
  }
}

/**
 * In the primary process of `WEB_CONCURRENCY`: passes each worker's marks on to the others, and
 * keeps the marks of the last window for the workers that start later.
 */
export function relayRecentWriters(
  cluster: Pick<Cluster, 'on' | 'workers'>,
  windowMs: number,
  now: () => number = Date.now,
): void {
  const marks = new MarkTable(windowMs);
  cluster.on('message', (worker, message: unknown) => {
    if (!isMarksMessage(message)) {
      return;
    }
    marks.add(message.marks, now());
    if (message.marks.length > 0) {
      const relayed: MarksMessage = { type: MARKS_MESSAGE, marks: message.marks };
      for (const other of Object.values(cluster.workers ?? {})) {
        if (other && other !== worker && other.isConnected()) {
          other.send(relayed);
        }
      }
    }
    // The answer, after the relays: the sender's response goes out once its marks are passed on.
    const answer: MarksMessage = {
      type: MARKS_MESSAGE,
      seq: message.seq,
      marks: message.marks.length > 0 ? [] : marks.live(now()),
    };
    if (worker.isConnected()) {
      worker.send(answer);
    }
  });
}
