import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { JsonBodyMiddleware } from './common/http/json-body.middleware';
import { LoggingModule } from './common/logging/logging.module';
import { PaginationModule } from './common/pagination/pagination.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ReadReplicasModule } from './database/replicas/read-replicas.module';
import { HealthModule } from './health/health.module';
import { PostsModule } from './posts/posts.module';
import { RedisModule } from './redis/redis.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    DatabaseModule,
    PaginationModule,
    RedisModule,
    ReadReplicasModule,
    RateLimitModule,
    AuthModule,
    UsersModule,
    PostsModule,
    HealthModule,
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes('{*path}');
  }
}
