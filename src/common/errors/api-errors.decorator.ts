import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from './error-response';

const EXAMPLES: Record<number, { description: string; message: string }> = {
  400: {
    description: 'Malformed JSON, wrong types, unknown fields or invalid values',
    message: 'username may contain only letters, digits, "_", "." and "-"',
  },
  401: {
    description:
      'No valid access token (missing, malformed, expired, or its session has ended), or a ' +
      'failed sign-in; see the WWW-Authenticate header',
    message: 'the access token is invalid or expired',
  },
  403: {
    description: 'Signed in, but not as the owner of this user or post',
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
  },
};

/** Documents error responses (`{ statusCode, error, message }`) with an example each. */
export function ApiErrors(
  ...statuses: (keyof typeof EXAMPLES)[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: EXAMPLES[status].description,
        type: ErrorResponse,
        example: ErrorResponse.of(status, EXAMPLES[status].message),
      }),
    ),
  );
}
