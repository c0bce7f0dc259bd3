import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { Checks } from '../../common/validation/text.validators';

/** A refresh token, as `POST /auth/refresh` and `POST /auth/logout` take it. */
export class RefreshTokenDto {
  @ApiProperty({
    example: 'q1Ckm7mF3lZb0s6i2Uq0pC0nT8aW9cX4dY5eZ6fA7gB',
    minLength: 43,
    maxLength: 43,
    pattern: '^[A-Za-z0-9_-]{43}$',
    writeOnly: true,
    description: 'The opaque token from the last sign-in or refresh',
  })
  @Checks(
    IsString(),
    Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'refreshToken must be a refresh token' }),
  )
  refreshToken!: string;
}
