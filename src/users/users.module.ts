import { Module } from '@nestjs/common';
import { UserQueries } from './user.queries';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [UsersService, UserQueries],
  exports: [UsersService, UserQueries],
})
export class UsersModule {}
