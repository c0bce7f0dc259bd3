import {
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorResponse } from './error-response';

/** Unique indexes, by the names the migrations give them, and the field each one guards. */
const UNIQUE_FIELDS: Record<string, string> = {
  ix_user_username: 'username',
  ix_user_email: 'email',
};

/** Finds which unique field a violation is about, from any driver's message. */
export function uniqueField(err: UniqueConstraintViolationException): string | undefined {
  const text = err.message;
  for (const [index, field] of Object.entries(UNIQUE_FIELDS)) {
    // PostgreSQL and MySQL name the index; SQLite names table.column.
    if (text.includes(index) || text.includes(`user.${field}`)) {
      return field;
    }
  }
  return undefined;
}

/**
 * The one place that turns exceptions into `{ statusCode, error, message }` responses:
 * Nest's HTTP exceptions keep their status (validation messages joined into one string),
 * a unique violation is a 409 naming the field, a foreign key violation a 422, and anything
 * else a 500 that is logged (without the request body, which may hold a password).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const body = this.toResponse(exception, ctx.getRequest<Request>());
    if (response.headersSent) {
      return;
    }
    response.status(body.statusCode).json(body);
  }

  private toResponse(exception: unknown, request: Request): ErrorResponse {
    if (exception instanceof HttpException) {
      return ErrorResponse.of(exception.getStatus(), messageOf(exception));
    }
    if (exception instanceof UniqueConstraintViolationException) {
      const field = uniqueField(exception);
      return ErrorResponse.of(
        HttpStatus.CONFLICT,
        field ? `${field} is already taken` : 'a unique value is already taken',
      );
    }
    if (exception instanceof ForeignKeyConstraintViolationException) {
      return ErrorResponse.of(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'the request refers to a user that does not exist',
      );
    }
    this.logger.error(
      `${request.method} ${request.path} failed`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return ErrorResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, 'internal server error');
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : exception.message;
}
