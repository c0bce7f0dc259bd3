import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { seconds, ThrottlerModule, ThrottlerStorageService } from '@nestjs/throttler';
import type { Request } from 'express';
import type { Environment } from '../../config/environment';
import type { QueryDatabase } from '../../database/query-database';
import { QUERY_DATABASE } from '../../database/read-queries';
import type { RedisConnection } from '../../redis/redis-connection';
import { REDIS } from '../../redis/redis.module';
import { FallbackThrottlerStorage } from './fallback-throttler-storage';
import { RateLimitGuard, rateLimitOf } from './rate-limit';

/**
 * The account a sign-in names, as the limit counts it: its id, whether the attempt named it by
 * username or by email (so alternating the two does not double the attempts); the login as
 * typed, lower-cased, when no account has it.
 */
async function accountKey(db: QueryDatabase, req: Request): Promise<string> {
  const login = (req.body as { login?: unknown } | undefined)?.login;
  if (typeof login !== 'string') {
    return 'login:';
  }
  const byEmail = login.includes('@');
  const account = await db
    .selectFrom('user')
    .select('id')
    .where(byEmail ? 'email' : 'username', '=', byEmail ? login.toLowerCase() : login)
    .executeTakeFirst();
  return account ? `account:${account.id}` : `login:${login.toLowerCase()}`;
}

/**
 * The app's rate limits, on `@nestjs/throttler`, counted in Redis when `REDIS_URL` is set (one
 * count for all processes and instances; in memory while Redis is unreachable, see
 * `FallbackThrottlerStorage`), else in each process's memory:
 * - `signup`: accounts one client address may create (`SIGNUP_RATE_LIMIT` per
 *   `SIGNUP_RATE_WINDOW` seconds), on `POST /users`;
 * - `login`: sign-in attempts, counted both per client address and per account named
 *   (`LOGIN_RATE_LIMIT` per `LOGIN_RATE_WINDOW` seconds each), on `POST /auth/login`. The
 *   account is looked up (one indexed query); a refused attempt never reaches the password.
 * A limit of 0 turns one off. Routes opt in with `@RateLimited(name)`.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      // Console commands, which limit nothing, build this module without RedisModule.
      inject: [ConfigService, QUERY_DATABASE, { token: REDIS, optional: true }],
      useFactory: (
        config: ConfigService<Environment, true>,
        db: QueryDatabase,
        redis: RedisConnection | null | undefined,
      ) => {
        const signup = config.get('SIGNUP_RATE_LIMIT', { infer: true });
        const login = config.get('LOGIN_RATE_LIMIT', { infer: true });
        const loginTtl = seconds(config.get('LOGIN_RATE_WINDOW', { infer: true }));
        return {
          storage: redis
            ? new FallbackThrottlerStorage(
                new ThrottlerStorageRedisService(redis.client),
                new ThrottlerStorageService(),
                redis,
              )
            : undefined,
          throttlers: [
            {
              name: 'signup',
              limit: signup,
              ttl: seconds(config.get('SIGNUP_RATE_WINDOW', { infer: true })),
              skipIf: (context) => signup === 0 || rateLimitOf(context) !== 'signup',
            },
            {
              name: 'login-address',
              limit: login,
              ttl: loginTtl,
              skipIf: (context) => login === 0 || rateLimitOf(context) !== 'login',
            },
            {
              name: 'login-account',
              limit: login,
              ttl: loginTtl,
              skipIf: (context) => login === 0 || rateLimitOf(context) !== 'login',
              getTracker: (req) => accountKey(db, req as Request),
            },
          ],
          errorMessage: (context, { timeToBlockExpire }) =>
            rateLimitOf(context) === 'login'
              ? `too many sign-in attempts; try again in ${timeToBlockExpire} s`
              : `too many accounts created from this address; try again in ${timeToBlockExpire} s`,
        };
      },
    }),
  ],
  providers: [RateLimitGuard],
  exports: [RateLimitGuard],
})
export class RateLimitModule {}
