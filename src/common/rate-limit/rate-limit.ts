import {
  applyDecorators,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';

/** The limits a route can be under (see RateLimitModule). */
export type RateLimitName = 'signup' | 'login';

const RATE_LIMIT = 'microblog:rate-limit';

/** Puts a route under one of the app's rate limits. */
export const RateLimited = (name: RateLimitName) =>
  applyDecorators(SetMetadata(RATE_LIMIT, name), UseGuards(RateLimitGuard));

/** The limit a route is under, if any. */
export function rateLimitOf(context: ExecutionContext): RateLimitName | undefined {
  return new Reflector().get<RateLimitName | undefined>(RATE_LIMIT, context.getHandler());
}

/**
 * `@nestjs/throttler`'s guard, answering 429 with a plain `Retry-After` (it names the header
 * after the throttler, `Retry-After-login-account`, which no client reads).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    return super.throwThrottlingException(context, detail);
  }
}
