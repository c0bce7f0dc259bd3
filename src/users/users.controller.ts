import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import type { Principal } from '../auth/session.queries';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { RateLimited } from '../common/rate-limit/rate-limit';
import { mapPage, type Page } from '../common/pagination/page';
import { ApiIdParam, locationHeader } from '../common/validation/api-id.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { AccountResponse, UserPage, UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Public()
  @RateLimited('signup')
  @ApiOperation({
    summary: 'Sign up: create a user with a password',
    description:
      'Then sign in at `POST /auth/login`. Rate-limited per client address: ' +
      '`SIGNUP_RATE_LIMIT` accounts per `SIGNUP_RATE_WINDOW` seconds.',
  })
  @ApiCreatedResponse({
    type: UserResponse,
    description: 'The new user',
    headers: { Location: locationHeader('users') },
  })
  @ApiErrors(
    400,
    409,
    413,
    415,
    [429, 'too many accounts created from this address; try again in 600 s'],
    503,
  )
  async create(
    @Body() dto: CreateUserDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponse> {
    const user = await this.users.create(dto);
    res.location(`/users/${user.id}`);
    return UserResponse.from(user);
  }

  @Get()
  @Public()
  @ApiOperation({
    summary: 'List users',
    description: 'Keyset-paginated: pass `nextCursor` as `cursor` for the next page.',
  })
  @ApiOkResponse({ type: UserPage, description: 'A page of users' })
  @ApiErrors(400)
  async list(@Query() query: ListUsersQueryDto): Promise<Page<UserResponse>> {
    return mapPage(await this.users.list(query), (user) => UserResponse.from(user));
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'The signed-in user, with their email',
    description: 'The account of the access token: only its owner sees the email.',
  })
  @ApiOkResponse({ type: AccountResponse, description: 'Your account' })
  @ApiErrors(400, 401)
  async me(@CurrentUser() principal: Principal): Promise<AccountResponse> {
    return AccountResponse.from(await this.users.account(principal));
  }

  @Get(':id')
  @Public()
  @ApiIdParam('The user')
  @ApiOperation({ summary: 'Get a user', description: 'Anyone may; never with their email.' })
  @ApiOkResponse({ type: UserResponse, description: 'The user' })
  @ApiErrors(400, 404)
  async findOne(@Param('id', ParseIdPipe) id: number): Promise<UserResponse> {
    return UserResponse.from(await this.users.view(id));
  }

  @Patch(':id')
  @ApiBearerAuth()
  @ApiIdParam('The user: the signed-in one')
  @ApiOperation({
    summary: 'Change your username, email or password',
    description:
      'Only the user themselves. A new password or email needs `currentPassword`, which must ' +
      'be right whenever it is given (403 otherwise); a new password ends every other session.',
  })
  @ApiOkResponse({ type: AccountResponse, description: 'Your account as it is now' })
  @ApiErrors(
    400,
    401,
    [403, 'user 42 is not you: only they may change their account'],
    404,
    409,
    413,
    415,
    503,
  )
  async update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateUserDto,
    @CurrentUser() principal: Principal,
  ): Promise<AccountResponse> {
    return AccountResponse.from(await this.users.update(id, dto, principal));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiIdParam('The user: the signed-in one')
  @ApiOperation({
    summary: 'Delete your account, with all your posts and sessions',
    description: 'Only the user themselves.',
  })
  @ApiNoContentResponse({ description: 'Deleted, with all their posts and sessions' })
  @ApiErrors(
    400,
    401,
    [403, 'user 42 is not you: only they may change their account'],
    404,
    [409, 'user 42 got a new post while being deleted; try again'],
    503,
  )
  async remove(
    @Param('id', ParseIdPipe) id: number,
    @CurrentUser() principal: Principal,
  ): Promise<void> {
    await this.users.delete(id, principal);
  }
}
