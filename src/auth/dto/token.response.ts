import { ApiProperty } from '@nestjs/swagger';

/** What a sign-in or a refresh answers. */
export class TokenResponse {
  @ApiProperty({
    description: 'A JWT for `Authorization: Bearer`, valid for `expiresIn` seconds',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzaWQiOjF9.c2lnbmF0dXJl',
    maxLength: 1024,
    pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  })
  accessToken!: string;

  @ApiProperty({
    description: 'Opaque; exchange it at POST /auth/refresh (once: every use replaces it)',
    example: 'q1Ckm7mF3lZb0s6i2Uq0pC0nT8aW9cX4dY5eZ6fA7gB',
    minLength: 43,
    maxLength: 43,
    pattern: '^[A-Za-z0-9_-]{43}$',
  })
  refreshToken!: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 3600,
    example: 900,
    description: 'Seconds until the access token expires',
  })
  expiresIn!: number;
}
