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
    description: 'Rate-limited per client address: `SIGNUP_RATE_LIMIT` per `SIGNUP_RATE_WINDOW`',
  })
  @ApiCreatedResponse({
    type: UserResponse,
    headers: { Location: { description: 'URL of the new user', example: '/users/1' } },
  })
  @ApiErrors(400, 409, 413, 415, 429)
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
  @ApiOperation({ summary: 'List users', description: 'Keyset-paginated; see `nextCursor`' })
  @ApiOkResponse({ type: UserPage })
  @ApiErrors(400)
  async list(@Query() query: ListUsersQueryDto): Promise<Page<UserResponse>> {
    return mapPage(await this.users.list(query), (user) => UserResponse.from(user));
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user, with their email' })
  @ApiOkResponse({ type: AccountResponse })
  @ApiErrors(401)
  async me(@CurrentUser() principal: Principal): Promise<AccountResponse> {
    return AccountResponse.from(await this.users.account(principal));
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 404)
  async findOne(@Param('id', ParseIdPipe) id: number): Promise<UserResponse> {
    return UserResponse.from(await this.users.view(id));
  }

  @Patch(':id')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change your username, email or password',
    description:
      'Only the user themselves. A new password or email needs `currentPassword`; a new ' +
      'password ends every other session.',
  })
  @ApiOkResponse({ type: AccountResponse })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415)
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
  @ApiOperation({
    summary: 'Delete your account, with all your posts and sessions',
    description: 'Only the user themselves.',
  })
  @ApiNoContentResponse({ description: 'Deleted, with all their posts and sessions' })
  @ApiErrors(400, 401, 403, 404, 409)
  async remove(
    @Param('id', ParseIdPipe) id: number,
    @CurrentUser() principal: Principal,
  ): Promise<void> {
    await this.users.delete(id, principal);
  }
}
