import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import type { User } from '../entities/user.entity';

/** A user as the API shows it: never a password or its hash. */
export class UserResponse {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'john' })
  username!: string;

  @ApiProperty({ example: 'john@example.com' })
  email!: string;

  static from({ id, username, email }: User): UserResponse {
    return { id, username, email };
  }
}

export class UserPage extends PageDto(UserResponse, 'UserPage') {}
