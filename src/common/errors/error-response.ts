import { STATUS_CODES } from 'node:http';
import { ApiProperty } from '@nestjs/swagger';

/** The body of every error response. */
export class ErrorResponse {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP reason phrase' })
  error!: string;

  @ApiProperty({
    example: 'username must be at most 64 characters',
    description: 'What went wrong, naming the field or resource',
  })
  message!: string;

  static of(statusCode: number, message: string): ErrorResponse {
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  }
}
