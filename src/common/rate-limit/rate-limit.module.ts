import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { seconds, ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import type { Environment } from '../../config/environment';
import { RateLimitGuard, rateLimitOf } from './rate-limit';

/** The account a sign-in names, as the limit counts it: emails and usernames alike. */
function loginKey(req: Request): string {
  const login = (req.body as { login?: unknown } | undefined)?.login;
  return `login:${typeof login === 'string' ? login.trim().toLowerCase() : ''}`;
}

/**
 * The app's rate limits, on `@nestjs/throttler` (counts in memory, per process):
 * - `signup`: accounts one client address may create (`SIGNUP_RATE_LIMIT` per
 *   `SIGNUP_RATE_WINDOW` seconds), on `POST /users`;
 * - `login`: sign-in attempts, counted both per client address and per account named
 *   (`LOGIN_RATE_LIMIT` per `LOGIN_RATE_WINDOW` seconds each), on `POST /auth/login`.
 * A limit of 0 turns one off. Routes opt in with `@RateLimited(name)`.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const signup = config.get('SIGNUP_RATE_LIMIT', { infer: true });
        const login = config.get('LOGIN_RATE_LIMIT', { infer: true });
        const loginTtl = seconds(config.get('LOGIN_RATE_WINDOW', { infer: true }));
        return {
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
              getTracker: (req) => loginKey(req as Request),
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
