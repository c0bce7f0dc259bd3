import { EventEmitter } from 'node:events';
import type { Cluster } from 'node:cluster';
import {
  MemoryRecentWriters,
  RedisRecentWriters,
  RELAY_TIMEOUT_MS,
  relayRecentWriters,
  type WorkerChannel,
} from './recent-writers';

const WINDOW = 5000;

describe('MemoryRecentWriters', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('knows who wrote within the window, and forgets them after it', async () => {
    const writers = new MemoryRecentWriters(WINDOW, undefined, clock);
    await writers.mark(7);
    await expect(writers.wroteLately(7)).resolves.toBe(true);
    await expect(writers.wroteLately(8)).resolves.toBe(false);
    now += WINDOW - 1;
    await expect(writers.wroteLately(7)).resolves.toBe(true);
    now += 1;
    await expect(writers.wroteLately(7)).resolves.toBe(false);
  });

  it('a new write starts the window again', async () => {
    const writers = new MemoryRecentWriters(WINDOW, undefined, clock);
    await writers.mark(7);
    now += 4000;
    await writers.mark(7);
    now += 4000;
    await expect(writers.wroteLately(7)).resolves.toBe(true);
  });

  describe('across the workers of WEB_CONCURRENCY', () => {
    /** node:cluster's primary, with workers whose IPC delivers asynchronously, in order. */
    class FakeCluster extends EventEmitter {
      readonly workers: Record<number, FakeWorker> = {};
      private nextId = 1;

      fork(): FakeWorker {
        const worker = new FakeWorker(this, this.nextId++);
        this.workers[worker.id] = worker;
        return worker;
      }
    }

    /** A worker as its primary sees it; `channel` is its `process` as it sees itself. */
    class FakeWorker {
      readonly channel: WorkerChannel & EventEmitter;
      received: unknown[] = [];

      constructor(
        cluster: FakeCluster,
        readonly id: number,
      ) {
        const channel = new EventEmitter() as WorkerChannel & EventEmitter;
        channel.send = ((message: unknown) => {
          setImmediate(() => cluster.emit('message', this, message));
          return true;
        }) as WorkerChannel['send'];
        this.channel = channel;
      }

      isConnected(): boolean {
        return true;
      }

      send(message: unknown): boolean {
        this.received.push(message);
        setImmediate(() => this.channel.emit('message', message));
        return true;
      }
    }

    let cluster: FakeCluster;

    beforeEach(() => {
      cluster = new FakeCluster();
      relayRecentWriters(cluster as unknown as Cluster, WINDOW, clock);
    });

    it("a write's mark resolves once the primary has passed it to every other worker", async () => {
      const [a, b, c] = [cluster.fork(), cluster.fork(), cluster.fork()];
      const onA = new MemoryRecentWriters(WINDOW, a.channel, clock);
      const onB = new MemoryRecentWriters(WINDOW, b.channel, clock);
      const onC = new MemoryRecentWriters(WINDOW, c.channel, clock);
      await onA.mark(7);
      // Passed on before the answer to A, so B and C have it in their queues: a connection the
      // primary hands them after that comes after it.
      expect(b.received).toEqual([
        { type: 'microblog:recent-writers', marks: [[7, now + WINDOW]] },
      ]);
      expect(c.received).toEqual(b.received);
      await new Promise((resolve) => setImmediate(resolve));
      await expect(onB.wroteLately(7)).resolves.toBe(true);
      await expect(onC.wroteLately(7)).resolves.toBe(true);
      await expect(onA.wroteLately(7)).resolves.toBe(true);
      for (const writers of [onA, onB, onC]) {
        writers.onModuleDestroy();
      }
    });

    it('a worker that starts later learns the marks still running before it serves', async () => {
      const a = cluster.fork();
      const onA = new MemoryRecentWriters(WINDOW, a.channel, clock);
      await onA.mark(7);
      now += 1000;
      await onA.mark(8);
      now += WINDOW - 500; // 7's mark has run out, 8's has not
      const late = new MemoryRecentWriters(WINDOW, cluster.fork().channel, clock);
      await late.onModuleInit();
      await expect(late.wroteLately(8)).resolves.toBe(true);
      await expect(late.wroteLately(7)).resolves.toBe(false);
      onA.onModuleDestroy();
      late.onModuleDestroy();
    });

    it('does not hold a response for long if the primary does not answer', async () => {
      jest.useFakeTimers();
      try {
        const silent = new EventEmitter() as WorkerChannel & EventEmitter;
        silent.send = (() => true) as WorkerChannel['send'];
        const writers = new MemoryRecentWriters(WINDOW, silent, clock);
        let done = false;
        const marking = writers.mark(7).then(() => (done = true));
        await jest.advanceTimersByTimeAsync(RELAY_TIMEOUT_MS - 1);
        expect(done).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        await marking;
        await expect(writers.wroteLately(7)).resolves.toBe(true);
      } finally {
        jest.useRealTimers();
      }
    });

    it('does not wait for a primary that is gone', async () => {
      const closed = new EventEmitter() as WorkerChannel & EventEmitter;
      closed.send = (() => {
        throw new Error('Channel closed');
      }) as WorkerChannel['send'];
      await expect(new MemoryRecentWriters(WINDOW, closed, clock).mark(7)).resolves.toBe(undefined);
    });
  });
});

describe('RedisRecentWriters', () => {
  let now: number;
  let redis: {
    available: boolean;
    reportFailure: jest.Mock;
    client: { set: jest.Mock; exists: jest.Mock };
  };
  let writers: RedisRecentWriters;
  const keys = new Map<string, number>();

  beforeEach(() => {
    now = 1_000_000;
    keys.clear();
    redis = {
      available: true,
      reportFailure: jest.fn(),
      client: {
        set: jest.fn((key: string, _value: string, _px: 'PX', ms: number) => {
          keys.set(key, now + ms);
          return Promise.resolve('OK');
        }),
        exists: jest.fn((key: string) => Promise.resolve((keys.get(key) ?? 0) > now ? 1 : 0)),
      },
    };
    writers = new RedisRecentWriters(redis as never, WINDOW, () => now);
  });

  it('keeps one key per writer that expires with the window', async () => {
    await writers.mark(7);
    expect(redis.client.set).toHaveBeenCalledWith('recent-writer:7', '1', 'PX', WINDOW);
    await expect(writers.wroteLately(7)).resolves.toBe(true);
    await expect(writers.wroteLately(8)).resolves.toBe(false);
    now += WINDOW;
    await expect(writers.wroteLately(7)).resolves.toBe(false);
  });

  it('while Redis is unreachable, counts every signed-in user as a recent writer', async () => {
    redis.available = false;
    await writers.mark(7);
    await expect(writers.wroteLately(8)).resolves.toBe(true);
    expect(redis.client.set).not.toHaveBeenCalled();
    expect(redis.client.exists).not.toHaveBeenCalled();
  });

  it('when a command fails, reports it and answers yes, for one window after', async () => {
    const timeout = new Error('Command timed out');
    redis.client.set.mockRejectedValueOnce(timeout);
    await expect(writers.mark(7)).resolves.toBe(undefined);
    expect(redis.reportFailure).toHaveBeenCalledWith(timeout);
    // Redis answers again, but the mark of user 7 was lost: everyone reads from the primary
    // until it would have expired.
    await expect(writers.wroteLately(7)).resolves.toBe(true);
    await expect(writers.wroteLately(8)).resolves.toBe(true);
    now += WINDOW;
    await expect(writers.wroteLately(8)).resolves.toBe(false);

    redis.client.exists.mockRejectedValueOnce(timeout);
    await expect(writers.wroteLately(8)).resolves.toBe(true);
    expect(redis.reportFailure).toHaveBeenCalledTimes(2);
  });
});
