import { MikroORM } from '@mikro-orm/core';
import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { pingDatabase } from '../database/ping';
import type { RedisConnection } from '../redis/redis-connection';
import { REDIS } from '../redis/redis.module';
import { HealthResponse } from './health.response';

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(REDIS) private readonly redis: RedisConnection | null,
  ) {}

  /**
   * 200 when the database answers a ping, 503 when it does not. Redis, when configured, is
   * pinged too, but an unreachable one only makes the status `degraded`: the app serves on
   * without it, and a 503 from every instance at once would take the whole service down.
   */
  @Get()
  @ApiOperation({
    summary: 'Health check',
    description:
      'For load balancers and orchestrators: 200 when the database answers a ping. With ' +
      '`REDIS_URL` set, `redis` says whether Redis answers one; while it does not, the status ' +
      'is `degraded`, still with a 200.',
  })
  @ApiOkResponse({ type: HealthResponse, description: 'Up, and so is the database' })
  @ApiErrors(400, [503, 'database unreachable'])
  async check(): Promise<HealthResponse> {
    const [database, redis] = await Promise.all([pingDatabase(this.orm), this.redis?.ping()]);
    if (!database.ok) {
      // The reason (host, port, driver error) goes to the log, not to anonymous clients.
      this.logger.warn(`database unreachable: ${database.reason}`);
      throw new ServiceUnavailableException('database unreachable');
    }
    if (!redis) {
      return { status: 'ok', database: 'up' };
    }
    // Redis going down and coming back is logged once each, by RedisConnection.
    return redis.ok
      ? { status: 'ok', database: 'up', redis: 'up' }
      : { status: 'degraded', database: 'up', redis: 'down' };
  }
}
