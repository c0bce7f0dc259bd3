import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import { ApiIdProperty } from '../../common/validation/api-id.decorator';
import { EMAIL_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../entities/user.entity';
import type { AccountView, UserView } from '../user.queries';

/** A user as anyone may see them: never an email, a password or its hash. */
export class UserResponse {
  @ApiIdProperty()
  id!: number;

  @ApiProperty({ example: 'john', maxLength: USERNAME_MAX_LENGTH })
  username!: string;

  static from({ id, username }: UserView): UserResponse {
    return { id, username };
  }
}

/** A user's own account: what only they see (`GET /users/me`, their own `PATCH`). */
export class AccountResponse extends UserResponse {
  @ApiProperty({ example: 'john@example.com', format: 'email', maxLength: EMAIL_MAX_LENGTH })
  email!: string;

  static override from({ id, username, email }: AccountView): AccountResponse {
    return { id, username, email };
  }
}

export class UserPage extends PageDto(UserResponse, 'UserPage') {}
