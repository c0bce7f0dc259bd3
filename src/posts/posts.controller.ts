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
import { mapPage, type Page } from '../common/pagination/page';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ApiIdParam, locationHeader } from '../common/validation/api-id.decorator';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { CreatePostDto } from './dto/create-post.dto';
import { PostPage, PostResponse } from './dto/post.response';
import { UpdatePostDto } from './dto/update-post.dto';
import { PostsService } from './posts.service';

@ApiTags('posts')
@Controller()
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Post('posts')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Write a post',
    description: 'The signed-in user is the author; the server sets the timestamp (UTC)',
  })
  @ApiCreatedResponse({
    type: PostResponse,
    description: 'The new post',
    headers: { Location: locationHeader('posts') },
  })
  @ApiErrors(400, 401, 413, 415, 422, 503)
  async create(
    @Body() dto: CreatePostDto,
    @CurrentUser() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PostResponse> {
    const post = await this.posts.create(dto, principal);
    res.location(`/posts/${post.id}`);
    return PostResponse.from(post);
  }

  @Get('posts')
  @Public()
  @ApiOperation({
    summary: 'All posts, newest first, each with its author',
    description: 'Keyset-paginated: pass `nextCursor` as `cursor` for the next page.',
  })
  @ApiOkResponse({ type: PostPage, description: 'A page of posts' })
  @ApiErrors(400)
  async list(@Query() query: PageQueryDto): Promise<Page<PostResponse>> {
    return mapPage(await this.posts.list(query), (post) => PostResponse.from(post));
  }

  @Get('users/:id/posts')
  @Public()
  @ApiTags('users')
  @ApiIdParam('The author')
  @ApiOperation({
    summary: 'A user’s posts, newest first',
    description: 'Keyset-paginated like `GET /posts`; 404 when there is no such user.',
  })
  @ApiOkResponse({ type: PostPage, description: 'A page of their posts' })
  @ApiErrors(400, 404)
  async listByAuthor(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: PageQueryDto,
  ): Promise<Page<PostResponse>> {
    return mapPage(await this.posts.listByAuthor(id, query), (post) => PostResponse.from(post));
  }

  @Get('posts/:id')
  @Public()
  @ApiIdParam('The post')
  @ApiOperation({ summary: 'Get a post with its author', description: 'Anyone may.' })
  @ApiOkResponse({ type: PostResponse, description: 'The post' })
  @ApiErrors(400, [404, 'post 42 not found'])
  async findOne(@Param('id', ParseIdPipe) id: number): Promise<PostResponse> {
    return PostResponse.from(await this.posts.view(id));
  }

  @Patch('posts/:id')
  @ApiBearerAuth()
  @ApiIdParam('The post: one of the signed-in user’s')
  @ApiOperation({ summary: 'Edit the body of your post', description: 'Only its author.' })
  @ApiOkResponse({ type: PostResponse, description: 'The post as it is now' })
  @ApiErrors(400, 401, 403, [404, 'post 42 not found'], 413, 415, 503)
  async update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdatePostDto,
    @CurrentUser() principal: Principal,
  ): Promise<PostResponse> {
    return PostResponse.from(await this.posts.update(id, dto, principal));
  }

  @Delete('posts/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiIdParam('The post: one of the signed-in user’s')
  @ApiOperation({ summary: 'Delete your post', description: 'Only its author.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, [404, 'post 42 not found'], 503)
  async remove(
    @Param('id', ParseIdPipe) id: number,
    @CurrentUser() principal: Principal,
  ): Promise<void> {
    await this.posts.delete(id, principal);
  }
}
