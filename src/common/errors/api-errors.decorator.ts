import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type ApiResponseOptions, type HeadersObject } from '@nestjs/swagger';
import { BEARER_CHALLENGE } from '../../auth/bearer-auth.guard';
import { BUSY_RETRY_AFTER_SECONDS, UNAVAILABLE_RETRY_AFTER_SECONDS } from './all-exceptions.filter';
import { ErrorResponse } from './error-response';

/** How an error status is documented: when it happens, an example message, its headers. */
interface ErrorDoc {
  description: string;
  message: string;
  headers?: HeadersObject;
}

/** `Retry-After` as the app sends it: whole seconds. */
function retryAfter(description: string, maximum: number): HeadersObject {
  return {
    'Retry-After': {
      description,
      schema: { type: 'integer', format: 'int32', minimum: 1, maximum },
      example: 1,
    },
  };
}

const ERRORS = {
  400: {
    description:
      'Malformed JSON, wrong types, unknown fields or invalid values (in the body, the path or ' +
      'the query string)',
    message: 'username may contain only letters, digits, "_", "." and "-"',
  },
  401: {
    description:
      'No valid access token (missing, malformed, expired, or its session has ended), or a ' +
      'failed sign-in; see the WWW-Authenticate header',
    message: 'the access token is invalid or expired',
    headers: {
      'WWW-Authenticate': {
        description:
          'The RFC 6750 challenge, with `error="invalid_token"` when a token was sent and refused',
        schema: {
          type: 'string',
          enum: [BEARER_CHALLENGE, `${BEARER_CHALLENGE}, error="invalid_token"`],
        },
      },
    },
  },
  403: {
    description:
      'Signed in, but not as the owner of what this changes (or with a wrong `currentPassword`)',
    message: 'post 42 is not yours: only its author may change it',
  },
  404: { description: 'No user or post with that id', message: 'user 42 not found' },
  409: { description: 'Username or email already taken', message: 'email is already taken' },
  413: { description: 'Body over 16 KiB', message: 'request body exceeds the 16384-byte limit' },
  415: {
    description: 'Body is not application/json',
    message: 'Content-Type must be application/json',
  },
  422: {
    description: 'The signed-in user was deleted while the request ran',
    message: 'the request refers to a user that does not exist',
  },
  429: {
    description: 'Too many requests of this kind; see the Retry-After header',
    message: 'too many sign-in attempts; try again in 900 s',
    headers: retryAfter(
      'Seconds until the limit counts a new attempt: at most its window ' +
        '(`LOGIN_RATE_WINDOW` or `SIGNUP_RATE_WINDOW`)',
      2_147_483_647,
    ),
  },
  500: {
    description: 'An unexpected error; it is logged, and the message says no more',
    message: 'internal server error',
  },
  503: {
    description:
      'The database is busy (a lock held past the busy timeout, or a deadlock: nothing was ' +
      'written), or unavailable (unreachable, restarting, or its connection lost under the ' +
      'request); retry after Retry-After. A write whose connection was lost while it committed ' +
      'may have been written: read before writing again what must not be written twice',
    message: 'the database is busy; retry the request',
    headers: retryAfter(
      `${BUSY_RETRY_AFTER_SECONDS} when the database is busy, ` +
        `${UNAVAILABLE_RETRY_AFTER_SECONDS} when it is unavailable`,
      UNAVAILABLE_RETRY_AFTER_SECONDS,
    ),
  },
} satisfies Record<number, ErrorDoc>;

/** The error statuses that can be documented. */
export type ErrorStatus = keyof typeof ERRORS;

/**
 * The documentation of one error status (`{ statusCode, error, message }`, with its headers),
 * with the table's example message or `message`.
 */
export function errorResponse(status: ErrorStatus, message?: string): ApiResponseOptions {
  const doc: ErrorDoc = ERRORS[status];
  return {
    status,
    description: doc.description,
    type: ErrorResponse,
    example: ErrorResponse.of(status, message ?? doc.message),
    ...(doc.headers && { headers: doc.headers }),
  };
}

/**
 * Documents error responses, each with an example: a status, or a status and the example
 * message that fits this operation better than the table's.
 */
export function ApiErrors(
  ...errors: (ErrorStatus | [ErrorStatus, string])[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...errors.map((error) =>
      ApiResponse(typeof error === 'number' ? errorResponse(error) : errorResponse(...error)),
    ),
  );
}
