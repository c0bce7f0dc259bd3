import { MikroORM } from '@mikro-orm/core';
import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { pingDatabase } from '../database/ping';
import { ReadReplicas } from '../database/replicas/read-replicas';
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
    private readonly replicas: ReadReplicas,
  ) {}

  /**
   * 200 when the database answers a ping, 503 when it does not. Redis, when configured, is
   * pinged too, but an unreachable one only makes the status `degraded`: the app serves on
   * without it, and a 503 from every instance at once would take the whole service down. So
   * does a read replica that is not `up` (as its background probe last found it): its reads go
   * to the primary meanwhile.
   */
  @Get()
  @ApiOperation({
    summary: 'Health check',
    description:
      'For load balancers and orchestrators: 200 when the database answers a ping. With ' +
      '`REDIS_URL` set, `redis` says whether Redis answers one; while it does not, the status ' +
      'is `degraded`, still with a 200. With `DATABASE_REPLICA_URLS` set, `replicas` lists each ' +
      'read replica (its name, status and lag); one that is not `up` also makes it `degraded`.',
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
    // Redis and the replicas going down and coming back are logged once each, where they are
    // watched (RedisConnection, ReadReplicas).
    const replicas = this.replicas.configured ? this.replicas.health() : undefined;
    const degraded = redis?.ok === false || replicas?.some((r) => r.status !== 'up');
    return {
      status: degraded ? 'degraded' : 'ok',
      database: 'up',
      ...(redis && { redis: redis.ok ? 'up' : 'down' }),
      ...(replicas && { replicas }),
    };
  }
}
