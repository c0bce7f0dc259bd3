import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { INestApplicationContext } from '@nestjs/common';
import { Post } from '../../posts/entities/post.entity';
import { PostsService } from '../../posts/posts.service';
import { User } from '../../users/entities/user.entity';
import { UsersService } from '../../users/users.service';

/**
 * The names the shell starts with, like the tutorial's `flask shell` context: `em` is a fork of
 * the EntityManager, the shell's own unit of work (the tutorial's `db.session`).
 */
export function createShellContext(app: Pick<INestApplicationContext, 'get'>) {
  const orm = app.get(MikroORM);
  return {
    em: orm.em.fork() as EntityManager,
    orm,
    User,
    Post,
    usersService: app.get(UsersService),
    postsService: app.get(PostsService),
  };
}

export type ShellContext = ReturnType<typeof createShellContext>;
