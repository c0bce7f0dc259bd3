import {
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
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
import { BEARER_CHALLENGE } from '../../auth/bearer-auth.guard';
import { databaseOutage } from '../../database/connection-errors';
import { ErrorResponse } from './error-response';

/** `Retry-After` of a 503 for a busy database: a lock is usually free a moment later. */
export const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * `Retry-After` of a 503 for a database that is unreachable or went away: a fast restart of
 * PostgreSQL takes 2.3 s on the test machines (`pg_ctlcluster ... restart -m fast`), and retrying
 * sooner would only add load to a server coming back. A single dropped connection is retried
 * by the app itself for reads (see `QueryDatabase`), so a client rarely waits for nothing.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 3;

/** The message of every 503 for a database that is unreachable or went away. */
export const UNAVAILABLE_MESSAGE = 'the database is unavailable; retry the request';

/**
 * The field each unique index guards, by the index names the migrations give them (PostgreSQL,
 * MySQL/MariaDB) and by column (SQLite names the column instead).
 */
const UNIQUE_FIELDS: Record<string, string> = {
  ix_user_username: 'username',
  ix_user_email: 'email',
  username: 'username',
  email: 'email',
};

/** The constraint a driver's unique-violation message names (never a value from the row). */
const CONSTRAINT_PATTERNS = [
  /unique constraint "(\w+)"/gi, // PostgreSQL
  /for key '(?:\w+\.)?(\w+)'/gi, // MySQL, MariaDB: after the duplicate value, so take the last
  /UNIQUE constraint failed: \w+\.(\w+)/gi, // SQLite names table.column
];

/**
 * The driver's own message, without the SQL: MySQL/MariaDB keep it in `sqlMessage`; for the
 * others MikroORM writes `${sql} - ${driver message}`.
 */
export function driverMessage(err: Error): string {
  const { sqlMessage } = err as { sqlMessage?: unknown };
  if (typeof sqlMessage === 'string') {
    return sqlMessage;
  }
  // PostgreSQL's message may end with "\n - detail: Key (email)=(...)": a value, so it goes too.
  const message = err.message.split('\n - detail:')[0];
  const at = message.lastIndexOf(' - ');
  return at === -1 ? message : message.slice(at + 3);
}

/** Finds which unique field a violation is about, from any driver's message. */
export function uniqueField(err: UniqueConstraintViolationException): string | undefined {
  const { constraint } = err as { constraint?: unknown }; // PostgreSQL names it outright
  if (typeof constraint === 'string' && UNIQUE_FIELDS[constraint]) {
    return UNIQUE_FIELDS[constraint];
  }
  const message = driverMessage(err);
  for (const pattern of CONSTRAINT_PATTERNS) {
    const name = [...message.matchAll(pattern)].at(-1)?.[1];
    if (name) {
      return UNIQUE_FIELDS[name];
    }
  }
  return undefined;
}

/**
 * What the log gets of an unexpected error: its class, the driver's message and the stack
 * frames, but not MikroORM's copy of the SQL, whose values could include a password hash.
 */
export function describeForLog(err: unknown): string {
  if (!(err instanceof Error)) {
    return String(err);
  }
  const frames = (err.stack ?? '').split('\n').filter((line) => line.startsWith('    at '));
  return [`${err.name}: ${driverMessage(err)}`, ...frames].join('\n');
}

/**
 * The one place that turns exceptions into `{ statusCode, error, message }` responses:
 * Nest's HTTP exceptions keep their status (validation messages joined into one string),
 * a unique violation is a 409 naming the field, a foreign key violation a 422, a lock timeout
 * or deadlock a 503 with Retry-After, a database that is unreachable or went away (whatever the
 * driver, `databaseOutage()`) a 503 with a longer Retry-After, and anything else a 500 that is
 * logged (without the request body, which may hold a password).
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
    if (body.statusCode === 401 && !response.hasHeader('WWW-Authenticate')) {
      response.setHeader('WWW-Authenticate', BEARER_CHALLENGE); // RFC 6750: every 401 says how
    }
    if (body.statusCode === 503 && !response.hasHeader('Retry-After')) {
      const seconds = databaseOutage(exception)
        ? UNAVAILABLE_RETRY_AFTER_SECONDS
        : BUSY_RETRY_AFTER_SECONDS;
      response.setHeader('Retry-After', String(seconds));
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
    if (exception instanceof LockWaitTimeoutException || exception instanceof DeadlockException) {
      // Another writer held the database past the busy timeout: nothing was written, and the
      // same request is likely to succeed a moment later.
      this.logger.warn(`${describeRequest(request)}: ${exception.name}`);
      return ErrorResponse.of(
        HttpStatus.SERVICE_UNAVAILABLE,
        'the database is busy; retry the request',
      );
    }
    const outage = databaseOutage(exception);
    if (outage) {
      // Unreachable, or gone under the request (a restart, a crash, a dropped connection): not a
      // bug of the app, and the same request may succeed once the database is back. One line,
      // without the SQL (values) or the URL (password).
      this.logger.warn(
        `${describeRequest(request)}: the database is ${outage === 'lost' ? 'gone' : 'unreachable'} (${describeOutage(exception)})`,
      );
      return ErrorResponse.of(HttpStatus.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE);
    }
    this.logger.error(`${describeRequest(request)} failed`, describeForLog(exception));
    return ErrorResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, 'internal server error');
  }
}

/**
 * An outage error for a log line: its class, the driver's code and its message without the SQL
 * (pg and mysql2 name at most a host and port there, never a user or password).
 */
export function describeOutage(err: unknown): string {
  if (!(err instanceof Error)) {
    return String(err);
  }
  const { code } = err as { code?: unknown };
  const message = driverMessage(err).split('\n')[0].slice(0, 200);
  return [err.name, typeof code === 'string' ? code : undefined, message]
    .filter(Boolean)
    .join(': ');
}

/** Method and path, for a log line: never the query string (or anything else of the request). */
function describeRequest(request: Request): string {
  return `${request.method} ${request.originalUrl.split('?')[0]}`;
}

/** Problems listed in one error message; a body with a thousand unknown keys gets these few. */
export const MAX_LISTED_PROBLEMS = 5;

/** The longest error message: problems can quote what the client sent (a property's name). */
export const MAX_MESSAGE_LENGTH = 500;

export function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  const message =
    typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    const more = message.length - MAX_LISTED_PROBLEMS;
    const listed = message.slice(0, MAX_LISTED_PROBLEMS).join('; ');
    return shorten(more > 0 ? `${listed}; and ${more} more` : listed);
  }
  return shorten(typeof message === 'string' ? message : exception.message);
}

function shorten(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
