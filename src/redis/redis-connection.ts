import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { PingResult } from '../database/ping';
import type { RedisTarget } from './redis-url';

/**
 * How long a command waits for Redis, in milliseconds. Past it the command fails (its caller
 * then does without Redis), and a connection that stays silent that long is dropped and opened
 * again: a Redis that hangs costs a request this much at most, and nothing piles up for it.
 */
export const REDIS_TIMEOUT_MS = 300;

/** While Redis is unreachable, how often a ping checks whether it is back, in milliseconds. */
export const REDIS_RETRY_MS = 1000;

/** An ioredis client for `target` that fails fast rather than waits or queues. */
export function createRedisClient(target: RedisTarget, keyPrefix: string): Redis {
  return new Redis(target.url, {
    keyPrefix,
    // Connect in `onModuleInit`, where a Redis that is down is handled rather than thrown.
    lazyConnect: true,
    // While disconnected, commands fail at once instead of waiting in a queue without bound,
    // and commands cut off by a disconnection are not replayed, late, once it reconnects.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_TIMEOUT_MS,
    socketTimeout: REDIS_TIMEOUT_MS,
    connectTimeout: 1000,
    // On disconnect, how long before a socket that is not closed is destroyed: 2 s by default,
    // waited even for a connection already lost, which held up the end of the process.
    disconnectTimeout: REDIS_TIMEOUT_MS,
    // Reconnect after 0.1 s, then waiting longer each time, at most 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
}

/**
 * The app's Redis, when `REDIS_URL` is set, and whether it is reachable now. Its users call
 * `reportFailure()` when a command fails, and do without Redis while `available` is false;
 * meanwhile a ping every `REDIS_RETRY_MS` finds out when it is back (so does `/health`'s). Each
 * change is logged once, a warning when Redis becomes unreachable and a line when it is back,
 * whatever the number of requests in between. Redis down at start-up does not stop the app.
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private reachable = true;
  private retry?: NodeJS.Timeout;
  private closed = false;
  /** Why the connection last failed: commands refused while it is down only say they were. */
  private connectionError?: string;

  constructor(
    readonly client: Redis,
    /** Where Redis is, for messages: `redis://host:port/db`, never the password. */
    readonly description: string,
    private readonly retryMs = REDIS_RETRY_MS,
  ) {
    // ioredis reports each failed reconnection as an `error` event, and prints those nobody
    // listens to: keep the reason for the one warning instead.
    client.on('error', (err: Error) => (this.connectionError = err.message));
    client.on('close', () => (this.connectionError ??= 'connection closed'));
    client.on('ready', () => (this.connectionError = undefined));
  }

  /** Whether the last command or ping reached Redis. */
  get available(): boolean {
    return this.reachable;
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.client.connect();
      this.logger.log(`Connected to ${this.description}`);
    } catch (err) {
      this.reportFailure(err);
    }
  }

  /** Whether Redis answers a ping now; the answer also updates `available`. */
  async ping(): Promise<PingResult> {
    try {
      await this.client.ping();
    } catch (err) {
      this.reportFailure(err);
      return { ok: false, reason: this.reasonOf(err) };
    }
    this.markReachable();
    return { ok: true };
  }

  /** A command failed: Redis counts as unreachable until a ping gets an answer. */
  reportFailure(err: unknown): void {
    if (!this.reachable) {
      return;
    }
    this.reachable = false;
    this.logger.warn(
      `${this.description} is unreachable (${this.reasonOf(err)}): the rate limits count in ` +
        `this process's memory until it answers again`,
    );
    this.scheduleRetry();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearTimeout(this.retry);
    // Nothing is pending (the HTTP server has stopped), so there is no reply to wait for; this
    // also ends ioredis' reconnection attempts.
    this.client.disconnect();
  }

  private markReachable(): void {
    if (this.reachable) {
      return;
    }
    this.reachable = true;
    clearTimeout(this.retry);
    this.logger.log(`${this.description} answers again: the rate limits count in Redis again`);
  }

  private scheduleRetry(): void {
    clearTimeout(this.retry);
    if (this.closed) {
      return;
    }
    this.retry = setTimeout(() => {
      void this.ping().then((result) => {
        if (!result.ok) {
          this.scheduleRetry();
        }
      });
    }, this.retryMs);
    this.retry.unref();
  }

  private reasonOf(err: unknown): string {
    if (this.client.status !== 'ready' && this.connectionError) {
      return this.connectionError;
    }
    return err instanceof Error ? err.message : String(err);
  }
}
