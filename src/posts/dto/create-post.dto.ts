import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { MAX_ID } from '../../common/validation/parse-id.pipe';
import {
  Checks,
  IsNotBlank,
  IsStorableText,
  MaxChars,
} from '../../common/validation/text.validators';
import { BODY_MAX_LENGTH } from '../entities/post.entity';

export class CreatePostDto {
  @ApiProperty({
    example: 'my first post!',
    maxLength: BODY_MAX_LENGTH,
    description: 'Up to 140 characters (an emoji counts as one); not blank',
  })
  @Checks(IsString(), IsNotBlank(), MaxChars(BODY_MAX_LENGTH), IsStorableText())
  body!: string;

  @ApiProperty({ example: 1, description: 'The id of the user who writes the post' })
  @Checks(
    IsInt({ message: 'authorId must be a positive integer' }),
    Min(1, { message: 'authorId must be a positive integer' }),
    Max(MAX_ID, { message: 'authorId must be a positive integer' }),
  )
  authorId!: number;
}
