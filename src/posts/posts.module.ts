import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { PostQueries } from './post.queries';
import { PostsController } from './posts.controller';
import { PostsService } from './posts.service';

@Module({
  imports: [UsersModule],
  controllers: [PostsController],
  providers: [PostsService, PostQueries],
  exports: [PostsService],
})
export class PostsModule {}
