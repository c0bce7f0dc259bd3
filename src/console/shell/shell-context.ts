import { EntityManager, MikroORM } from '@mikro-orm/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Post } from '../../posts/entities/post.entity';
import { PostsService } from '../../posts/posts.service';
import { User } from '../../users/entities/user.entity';
import { UsersService } from '../../users/users.service';

/** The names the shell starts with, like the tutorial's `flask shell` context. */
export interface ShellContext {
  /** A fork of the EntityManager: the shell's own unit of work (the tutorial's `db.session`). */
  em: EntityManager;
  orm: MikroORM;
  User: typeof User;
  Post: typeof Post;
  usersService: UsersService;
  postsService: PostsService;
}

export function createShellContext(app: Pick<INestApplicationContext, 'get'>): ShellContext {
  const orm = app.get(MikroORM);
  return {
    em: orm.em.fork(),
    orm,
    User,
    Post,
    usersService: app.get(UsersService),
    postsService: app.get(PostsService),
  };
}
