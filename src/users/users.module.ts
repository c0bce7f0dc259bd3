import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { seconds, ThrottlerModule } from '@nestjs/throttler';
import type { Environment } from '../config/environment';
import { PasswordHasher } from './password-hasher';
import { UserQueries } from './user.queries';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * How many accounts one client address may create per window (`SIGNUP_RATE_LIMIT` per
 * `SIGNUP_RATE_WINDOW` seconds; a limit of 0 turns it off). Counts are kept in memory, per
 * process. Only `POST /users` is guarded.
 */
const SignupThrottleModule = ThrottlerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>) => {
    const limit = config.get('SIGNUP_RATE_LIMIT', { infer: true });
    return {
      throttlers: [{ limit, ttl: seconds(config.get('SIGNUP_RATE_WINDOW', { infer: true })) }],
      skipIf: () => limit === 0,
      errorMessage: (_context, { timeToBlockExpire }) =>
        `too many accounts created from this address; try again in ${timeToBlockExpire} s`,
    };
  },
});

@Module({
  imports: [SignupThrottleModule],
  controllers: [UsersController],
  providers: [UsersService, UserQueries, PasswordHasher],
  exports: [UsersService, UserQueries],
})
export class UsersModule {}
