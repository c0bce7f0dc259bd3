import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import type { UserView } from '../user.queries';

/** A user as the API shows it: never a password or its hash. */
export class UserResponse {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'john' })
  username!: string;

  @ApiProperty({ example: 'john@example.com' })
  email!: string;

  /** From a user entity or a read's plain row (which never holds the hash). */
  static from({ id, username, email }: UserView): UserResponse {
    return { id, username, email };
  }
}

export class UserPage extends PageDto(UserResponse, 'UserPage') {}
