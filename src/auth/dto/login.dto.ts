import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import {
  Checks,
  IsStorableText,
  MaxChars,
  MinChars,
} from '../../common/validation/text.validators';
import { PASSWORD_MAX_LENGTH } from '../../users/dto/create-user.dto';
import { EMAIL_MAX_LENGTH } from '../../users/entities/user.entity';

export class LoginDto {
  @ApiProperty({
    example: 'john',
    minLength: 1,
    maxLength: EMAIL_MAX_LENGTH,
    description: 'A username, or an email address (any letter case)',
  })
  @Checks(IsString(), MinChars(1), MaxChars(EMAIL_MAX_LENGTH), IsStorableText())
  login!: string;

  @ApiProperty({
    example: 'a passphrase of your own',
    minLength: 1,
    maxLength: PASSWORD_MAX_LENGTH,
    format: 'password',
    writeOnly: true,
  })
  @Checks(IsString(), MinChars(1), MaxChars(PASSWORD_MAX_LENGTH), IsStorableText())
  password!: string;
}
