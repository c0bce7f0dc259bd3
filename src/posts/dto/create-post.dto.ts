import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import {
  Checks,
  IsNotBlank,
  IsStorableText,
  MaxChars,
} from '../../common/validation/text.validators';
import { BODY_MAX_LENGTH } from '../entities/post.entity';

/** A new post: its body. The author is the signed-in user. */
export class CreatePostDto {
  @ApiProperty({
    example: 'my first post!',
    minLength: 1,
    maxLength: BODY_MAX_LENGTH,
    description: 'Up to 140 characters (an emoji counts as one); not blank',
  })
  @Checks(IsString(), IsNotBlank(), MaxChars(BODY_MAX_LENGTH), IsStorableText())
  body!: string;
}
