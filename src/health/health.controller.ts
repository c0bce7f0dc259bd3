import { MikroORM } from '@mikro-orm/core';
import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { pingDatabase } from '../database/ping';
import { HealthResponse } from './health.response';

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(private readonly orm: MikroORM) {}

  /** 200 when the database answers a ping, 503 when it does not. */
  @Get()
  @ApiOperation({
    summary: 'Health check',
    description: 'For load balancers and orchestrators: 200 when the database answers a ping.',
  })
  @ApiOkResponse({ type: HealthResponse, description: 'Up, and so is the database' })
  @ApiErrors(400, [503, 'database unreachable'])
  async check(): Promise<{ status: 'ok'; database: 'up' }> {
    const result = await pingDatabase(this.orm);
    if (!result.ok) {
      // The reason (host, port, driver error) goes to the log, not to anonymous clients.
      this.logger.warn(`database unreachable: ${result.reason}`);
      throw new ServiceUnavailableException('database unreachable');
    }
    return { status: 'ok', database: 'up' };
  }
}
