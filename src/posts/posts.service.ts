import { EntityManager } from '@mikro-orm/core';
import { Injectable, NotFoundException } from '@nestjs/common';
import { User } from '../users/entities/user.entity';
import { Post } from './entities/post.entity';
import { PostRepository } from './post.repository';

export interface NewPost {
  body: string;
  authorId: number;
}

@Injectable()
export class PostsService {
  constructor(
    private readonly em: EntityManager,
    private readonly posts: PostRepository,
  ) {}

  async create({ body, authorId }: NewPost): Promise<Post> {
    const post = this.posts.create({ body, author: this.em.getReference(User, authorId) });
    await this.em.flush();
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

  async delete(id: number): Promise<void> {
    if ((await this.posts.nativeDelete({ id })) === 0) {
      throw new NotFoundException(`post ${id} not found`);
    }
  }
}
