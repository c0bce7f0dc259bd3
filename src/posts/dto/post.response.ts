import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import { ApiIdProperty } from '../../common/validation/api-id.decorator';
import { USERNAME_MAX_LENGTH } from '../../users/entities/user.entity';
import { BODY_MAX_LENGTH } from '../entities/post.entity';
import type { PostView } from '../post.queries';

export class PostAuthor {
  @ApiIdProperty()
  id!: number;

  @ApiProperty({ example: 'john', maxLength: USERNAME_MAX_LENGTH })
  username!: string;
}

export class PostResponse {
  @ApiIdProperty()
  id!: number;

  @ApiProperty({ example: 'my first post!', maxLength: BODY_MAX_LENGTH })
  body!: string;

  @ApiProperty({
    example: '2026-11-26T08:00:00.000Z',
    format: 'date-time',
    maxLength: 24, // Date#toISOString(): always 24 characters for years 0 to 9999
    description: 'When it was written: ISO-8601, UTC, to the millisecond',
  })
  timestamp!: string;

  @ApiProperty({ type: PostAuthor })
  author!: PostAuthor;

  /** From a post entity (with its author loaded) or a read's plain row. */
  static from({ id, body, timestamp, author }: PostView): PostResponse {
    return {
      id,
      body,
      timestamp: timestamp.toISOString(),
      author: { id: author.id, username: author.username },
    };
  }
}

export class PostPage extends PageDto(PostResponse, 'PostPage') {}
