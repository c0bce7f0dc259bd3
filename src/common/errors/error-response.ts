import { STATUS_CODES } from 'node:http';
import { ApiProperty } from '@nestjs/swagger';
import { JSON_BODY_LIMIT_BYTES } from '../http/json-body.middleware';

/** The longest HTTP reason phrase Node knows: `error` is one of them (or "Error"). */
const ERROR_MAX_LENGTH = Math.max(...Object.values(STATUS_CODES).map((phrase) => phrase!.length));

/** What every reason phrase of Node's looks like ("I'm a Teapot" included). */
export const ERROR_PATTERN = "^[A-Z][A-Za-z' -]*$";

/**
 * An upper bound of `message`. A 400 names every property of the body that no field takes
 * ("property x should not exist", joined with "; "): some 30 characters per 7 bytes of JSON, so
 * a body at the 16 KiB limit can make a message of about 70,000 characters (a query string is
 * cut at 1,000 parameters, and the path at Node's 16 KiB of headers, well below that).
 */
export const MESSAGE_MAX_LENGTH = 5 * JSON_BODY_LIMIT_BYTES;

/** The body of every error response. */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599, example: 400 })
  statusCode!: number;

  @ApiProperty({
    example: 'Bad Request',
    description: 'The HTTP reason phrase',
    maxLength: ERROR_MAX_LENGTH,
    pattern: ERROR_PATTERN,
  })
  error!: string;

  @ApiProperty({
    example: 'username must be at most 64 characters',
    description: 'What went wrong, naming the field or resource',
    maxLength: MESSAGE_MAX_LENGTH,
  })
  message!: string;

  static of(statusCode: number, message: string): ErrorResponse {
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  }
}
