import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import {
  Checks,
  IsAbsentOr,
  IsStorableText,
  MaxChars,
} from '../../common/validation/text.validators';
import { CreateUserDto, PASSWORD_MAX_LENGTH } from './create-user.dto';

/** Every field optional; `null` is not "absent" but an invalid value (400). */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({
    example: 'a passphrase of your own',
    maxLength: PASSWORD_MAX_LENGTH,
    format: 'password',
    writeOnly: true,
    description: 'The password now; required to change `password` or `email`',
  })
  @IsAbsentOr()
  @Checks(IsString(), MaxChars(PASSWORD_MAX_LENGTH), IsStorableText())
  currentPassword?: string;
}
