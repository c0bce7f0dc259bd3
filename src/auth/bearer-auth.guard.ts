import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { AccessTokens } from './access-tokens';
import { Clock } from './clock';
import type { AuthenticatedRequest } from './current-user.decorator';
import { IS_PUBLIC } from './public.decorator';
import { SessionQueries } from './session.queries';

/** The challenge every 401 carries (RFC 6750); the error filter adds it when it is missing. */
export const BEARER_CHALLENGE = 'Bearer realm="microblog"';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * The one global guard (`APP_GUARD`): every handler needs a valid access token, unless it is
 * `@Public()`. A token is valid when its signature, type, issuer, audience and lifetime check
 * out and its session is still active; the request then carries the signed-in user
 * (`@CurrentUser()`). Anything else is a 401 with `WWW-Authenticate: Bearer`, before the handler
 * runs, so a refused request writes nothing. Whose resource it is, is each service's check
 * (403).
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
    private readonly sessions: SessionQueries,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) {
      return true;
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new UnauthorizedException('sign in first: this needs an access token');
    }
    const invalid = (message: string) => {
      http
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', `${BEARER_CHALLENGE}, error="invalid_token"`);
      return new UnauthorizedException(message);
    };
    const token = bearerToken(header);
    if (!token) {
      throw invalid('Authorization must be "Bearer <access token>"');
    }
    const claims = await this.tokens.verify(token).catch(() => undefined);
    if (!claims) {
      throw invalid('the access token is invalid or expired');
    }
    const principal = await this.sessions.findPrincipal(
      claims.userId,
      claims.sessionId,
      this.clock.now(),
    );
    if (!principal) {
      throw invalid('the session of this access token has ended');
    }
    request.principal = principal;
    return true;
  }
}
