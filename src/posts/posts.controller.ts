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
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { mapPage, type Page } from '../common/pagination/page';
import { PageQueryDto } from '../common/pagination/page-query.dto';
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
  @ApiOperation({ summary: 'Write a post', description: 'The server sets the timestamp (UTC)' })
  @ApiCreatedResponse({
    type: PostResponse,
    headers: { Location: { description: 'URL of the new post', example: '/posts/1' } },
  })
  @ApiErrors(400, 413, 415, 422)
  async create(
    @Body() dto: CreatePostDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PostResponse> {
    const post = await this.posts.create(dto);
    res.location(`/posts/${post.id}`);
    return PostResponse.from(post);
  }

  @Get('posts')
  @ApiOperation({ summary: 'All posts, newest first, each with its author' })
  @ApiOkResponse({ type: PostPage })
  @ApiErrors(400)
  async list(@Query() query: PageQueryDto): Promise<Page<PostResponse>> {
    return mapPage(await this.posts.list(query), (post) => PostResponse.from(post));
  }

  @Get('users/:id/posts')
  @ApiTags('users')
  @ApiOperation({ summary: 'A user’s posts, newest first' })
  @ApiOkResponse({ type: PostPage })
  @ApiErrors(400, 404)
  async listByAuthor(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: PageQueryDto,
  ): Promise<Page<PostResponse>> {
    return mapPage(await this.posts.listByAuthor(id, query), (post) => PostResponse.from(post));
  }

  @Get('posts/:id')
  @ApiOperation({ summary: 'Get a post with its author' })
  @ApiOkResponse({ type: PostResponse })
  @ApiErrors(400, 404)
  async findOne(@Param('id', ParseIdPipe) id: number): Promise<PostResponse> {
    return PostResponse.from(await this.posts.view(id));
  }

  @Patch('posts/:id')
  @ApiOperation({ summary: 'Edit a post’s body' })
  @ApiOkResponse({ type: PostResponse })
  @ApiErrors(400, 404, 413, 415)
  async update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdatePostDto,
  ): Promise<PostResponse> {
    return PostResponse.from(await this.posts.update(id, dto));
  }

  @Delete('posts/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a post' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async remove(@Param('id', ParseIdPipe) id: number): Promise<void> {
    await this.posts.delete(id);
  }
}
