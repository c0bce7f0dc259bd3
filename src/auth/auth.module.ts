import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import type { Environment } from '../config/environment';
import { ARGON2_PARAMS, DEFAULT_ARGON2_PARAMS, PasswordHasher } from '../users/password-hasher';
import { AccessTokens } from './access-tokens';
import { AuthController } from './auth.controller';
import { AUTH_OPTIONS, authOptions } from './auth.options';
import { AuthService } from './auth.service';
import { BearerAuthGuard } from './bearer-auth.guard';
import { Clock } from './clock';
import { SessionCleanup } from './session-cleanup';
import { SessionQueries } from './session.queries';

/**
 * Accounts: sign-in, access and refresh tokens, sessions, and the global bearer guard that
 * every handler passes unless it is `@Public()`. Global, so that other features can use the
 * password hasher and end a user's sessions.
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [
    {
      provide: AUTH_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        authOptions({
          JWT_SECRET: config.get('JWT_SECRET', { infer: true }),
          ACCESS_TOKEN_TTL: config.get('ACCESS_TOKEN_TTL', { infer: true }),
          REFRESH_TOKEN_TTL: config.get('REFRESH_TOKEN_TTL', { infer: true }),
        }),
    },
    Clock,
    { provide: ARGON2_PARAMS, useValue: DEFAULT_ARGON2_PARAMS },
    PasswordHasher,
    AccessTokens,
    SessionQueries,
    AuthService,
    SessionCleanup,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [AuthService, PasswordHasher, Clock, AccessTokens],
})
export class AuthModule {}
