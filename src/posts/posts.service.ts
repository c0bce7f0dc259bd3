import { EntityManager } from '@mikro-orm/core';
import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { CursorCodec } from '../common/pagination/cursor-codec';
import { toPage } from '../common/pagination/keyset';
import type { Page } from '../common/pagination/page';
import type { PageQueryDto } from '../common/pagination/page-query.dto';
import { UserRepository } from '../users/user.repository';
import type { CreatePostDto } from './dto/create-post.dto';
import type { UpdatePostDto } from './dto/update-post.dto';
import type { Post } from './entities/post.entity';
import { PostRepository, type PostView } from './post.repository';

@Injectable()
export class PostsService {
  constructor(
    private readonly em: EntityManager,
    private readonly posts: PostRepository,
    private readonly users: UserRepository,
    private readonly cursors: CursorCodec,
  ) {}

  /**
   * Writes a post for an existing user; the server sets its timestamp (UTC, now). The write is
   * one INSERT, all-or-nothing on its own: no entity, flush or transaction around it (they would
   * triple its cost). A user deleted between the check and the insert is still refused, by the
   * foreign key (a 422 through the error filter).
   */
  async create({ body, authorId }: CreatePostDto): Promise<PostView> {
    const author = await this.users.findView(authorId);
    if (!author) {
      throw new UnprocessableEntityException(
        `authorId ${authorId} does not refer to an existing user`,
      );
    }
    const timestamp = new Date();
    const id = await this.posts.insertRow(body, timestamp, authorId);
    return { id, body, timestamp, author: { id: author.id, username: author.username } };
  }

  /** The post with its author, as reads show it; 404 when there is none. */
  async view(id: number): Promise<PostView> {
    const post = await this.posts.findView(id);
    if (!post) {
      throw new NotFoundException(`post ${id} not found`);
    }
    return post;
  }

  async findById(id: number): Promise<Post> {
    const post = await this.posts.findOne(id, { populate: ['author'] });
    if (!post) {
      throw new NotFoundException(`post ${id} not found`);
    }
    return post;
  }

  findByAuthor(authorId: number): Promise<Post[]> {
    return this.posts.findByAuthor(authorId);
  }

  findAllWithAuthors(): Promise<Post[]> {
    return this.posts.findAllWithAuthors();
  }

  /** All posts, newest first, with their authors. */
  list(query: PageQueryDto): Promise<Page<PostView>> {
    return this.page('posts', query);
  }

  /** A user's posts, newest first; 404 when the user does not exist. */
  async listByAuthor(authorId: number, query: PageQueryDto): Promise<Page<PostView>> {
    const page = await this.page(`users/${authorId}/posts`, query, authorId);
    // Only an empty page can mean "no such user": the common case costs one query.
    if (page.items.length === 0 && !(await this.users.findView(authorId))) {
      throw new NotFoundException(`user ${authorId} not found`);
    }
    return page;
  }

  async update(id: number, { body }: UpdatePostDto): Promise<Post> {
    const post = await this.findById(id);
    post.body = body;
    await this.em.flush();
    return post;
  }

  async delete(id: number): Promise<void> {
    if ((await this.posts.nativeDelete({ id })) === 0) {
      throw new NotFoundException(`post ${id} not found`);
    }
  }

  private async page(
    listing: string,
    { limit, cursor }: PageQueryDto,
    authorId?: number,
  ): Promise<Page<PostView>> {
    const after = cursor ? this.cursors.decode(cursor, listing, 'number') : undefined;
    const rows = await this.posts.findViewPage(limit + 1, after, authorId);
    return toPage(rows, limit, (last) =>
      this.cursors.encode(listing, [last.timestamp.getTime(), last.id]),
    );
  }
}
