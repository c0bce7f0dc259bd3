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
  UseGuards,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { mapPage, type Page } from '../common/pagination/page';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPage, UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: 'Create a user',
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
  @ApiOperation({ summary: 'List users', description: 'Keyset-paginated; see `nextCursor`' })
  @ApiOkResponse({ type: UserPage })
  @ApiErrors(400)
  async list(@Query() query: ListUsersQueryDto): Promise<Page<UserResponse>> {
    return mapPage(await this.users.list(query), (user) => UserResponse.from(user));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 404)
  async findOne(@Param('id', ParseIdPipe) id: number): Promise<UserResponse> {
    return UserResponse.from(await this.users.view(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a user’s username, email or password' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 404, 409, 413, 415)
  async update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateUserDto,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.update(id, dto));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a user and all their posts' })
  @ApiNoContentResponse({ description: 'Deleted, with all their posts' })
  @ApiErrors(400, 404)
  async remove(@Param('id', ParseIdPipe) id: number): Promise<void> {
    await this.users.delete(id);
  }
}
