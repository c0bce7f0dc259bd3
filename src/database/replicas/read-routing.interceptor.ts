import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { catchError, from, map, mergeMap, Observable, throwError } from 'rxjs';
import { AccessTokens } from '../../auth/access-tokens';
import { bearerToken } from '../../auth/bearer-auth.guard';
import type { AuthenticatedRequest } from '../../auth/current-user.decorator';
import { IS_PUBLIC } from '../../auth/public.decorator';
import { ReadRouting, type ReadTarget } from './read-routing';
import { RecentWriters } from './recent-writers';

/** Methods that only read (HEAD is answered by the GET handler). */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Where each request reads, with read replicas configured (global, `APP_INTERCEPTOR`, and only
 * then: see `readRoutingInterceptor`):
 *
 * - The handler of a public GET reads from a replica (`ReadRouting`), unless its caller is a
 *   signed-in user (a valid access token; public routes take one without needing it) who wrote
 *   within `READ_YOUR_WRITES_WINDOW`: then from the primary, so they see their writes.
 * - Everything else reads from the primary: writes, signed-in GETs (`/users/me`), and whatever
 *   runs before a handler (the bearer guard's session lookup, the rate limits).
 * - After a signed-in user's write (any other method that reached its handler, whether it
 *   succeeded or not), they count as a recent writer, before the response goes out.
 */
@Injectable()
export class ReadRoutingInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
    private readonly writers: RecentWriters,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<Request & Partial<AuthenticatedRequest>>();
    if (READ_METHODS.has(request.method)) {
      const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ]);
      if (!isPublic) {
        return next.handle();
      }
      // The handler is called, and its result subscribed to, inside `readFrom`: everything it
      // does (its awaits included) reads from `target`.
      return from(this.readTarget(request)).pipe(
        mergeMap(
          (target) =>
            new Observable((subscriber) =>
              ReadRouting.readFrom(target, () => next.handle().subscribe(subscriber)),
            ),
        ),
      );
    }
    const writer = request.principal?.id;
    if (writer === undefined) {
      return next.handle();
    }
    const mark = () => from(this.writers.mark(writer));
    return next.handle().pipe(
      mergeMap((result: unknown) => mark().pipe(map(() => result))),
      catchError((err: unknown) => mark().pipe(mergeMap(() => throwError(() => err)))),
    );
  }

  /** A replica, unless the caller is a signed-in user who wrote lately. */
  private async readTarget(request: Request): Promise<ReadTarget> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      return 'replica';
    }
    // A token that does not verify speaks for no one (the public route ignores it too).
    const claims = await this.tokens.verify(token).catch(() => undefined);
    if (!claims) {
      return 'replica';
    }
    return (await this.writers.wroteLately(claims.userId)) ? 'primary' : 'replica';
  }
}
