import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './session.queries';

/** A request that passed the bearer guard. */
export interface AuthenticatedRequest extends Request {
  principal: Principal;
}

/** The signed-in user, as the bearer guard found them. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
