import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { createRedisClient, RedisConnection } from './redis-connection';
import { parseRedisUrl } from './redis-url';

/** The injection token of the app's `RedisConnection`, or `null` when `REDIS_URL` is unset. */
export const REDIS = Symbol('REDIS');

/**
 * Injection token of the prefix of every key the app writes to Redis, so that it can share a
 * Redis with other apps (tests give each run its own).
 */
export const REDIS_KEY_PREFIX = Symbol('REDIS_KEY_PREFIX');

/**
 * Redis, for state that every process and instance must share (the rate-limit counters), when
 * `REDIS_URL` is set. Unset, `REDIS` is `null` and no connection is ever attempted.
 */
@Global()
@Module({
  providers: [
    { provide: REDIS_KEY_PREFIX, useValue: 'microblog:' },
    {
      provide: REDIS,
      inject: [ConfigService, REDIS_KEY_PREFIX],
      useFactory: (config: ConfigService<Environment, true>, keyPrefix: string) => {
        const url = config.get('REDIS_URL', { infer: true });
        if (url === undefined) {
          return null;
        }
        const target = parseRedisUrl(url);
        return new RedisConnection(createRedisClient(target, keyPrefix), target.description);
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule {}
