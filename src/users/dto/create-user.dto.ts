import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches } from 'class-validator';
import {
  Checks,
  IsNotBlank,
  IsStorableText,
  MaxChars,
  MinChars,
} from '../../common/validation/text.validators';
import { EMAIL_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../entities/user.entity';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** What makes a new password valid. */
export function PasswordChecks(): PropertyDecorator {
  // An unpaired surrogate would be hashed as U+FFFD: two different passwords, one hash.
  return applyDecorators(
    Checks(
      IsString(),
      MinChars(PASSWORD_MIN_LENGTH),
      MaxChars(PASSWORD_MAX_LENGTH),
      IsStorableText(),
    ),
  );
}

export class CreateUserDto {
  @ApiProperty({
    example: 'john',
    minLength: 1,
    maxLength: USERNAME_MAX_LENGTH,
    pattern: '^[A-Za-z0-9_.-]+$',
    description: 'Letters, digits, "_", "." and "-"; unique',
  })
  @Checks(
    IsString(),
    IsNotBlank(),
    MaxChars(USERNAME_MAX_LENGTH),
    Matches(/^[A-Za-z0-9_.-]+$/, {
      message: 'username may contain only letters, digits, "_", "." and "-"',
    }),
  )
  username!: string;

  @ApiProperty({
    example: 'john@example.com',
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    description: 'Stored in lower case; unique regardless of case',
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @Checks(
    IsString(),
    MaxChars(EMAIL_MAX_LENGTH),
    // Before IsEmail, which throws (a 500) on an unpaired surrogate.
    IsStorableText(),
    IsEmail({}, { message: 'email must be a valid email address' }),
  )
  email!: string;

  @ApiProperty({
    example: 'a passphrase of your own',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    format: 'password',
    writeOnly: true,
    description: 'Stored only as a salted argon2id hash; never returned',
  })
  @PasswordChecks()
  password!: string;
}
