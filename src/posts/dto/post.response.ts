import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import type { PostView } from '../post.queries';

export class PostAuthor {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'john' })
  username!: string;
}

export class PostResponse {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'my first post!' })
  body!: string;

  @ApiProperty({ example: '2026-11-26T08:00:00.000Z', description: 'ISO-8601, UTC' })
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
