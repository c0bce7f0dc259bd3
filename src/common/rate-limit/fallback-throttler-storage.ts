import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { RedisConnection } from '../../redis/redis-connection';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Rate-limit counters in Redis, shared by every process, with this process's memory to fall back
 * on: while Redis is unreachable (a command failed or timed out, see `RedisConnection`), each
 * process counts on its own, so every limit still holds, per process, and no request fails
 * because of Redis. Counts made in memory stay there: a Redis that comes and goes gives no one a
 * fresh allowance in memory. Back in Redis, the shared counts resume where they were.
 */
export class FallbackThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  constructor(
    private readonly shared: ThrottlerStorage,
    private readonly local: ThrottlerStorageService,
    private readonly redis: Pick<RedisConnection, 'available' | 'reportFailure'>,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.redis.available) {
      try {
        return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (err) {
        this.redis.reportFailure(err);
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }
}
