import { MikroORM } from '@mikro-orm/core';
import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { pingDatabase } from '../database/ping';

@Public()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(private readonly orm: MikroORM) {}

  /** 200 when the database answers a ping, 503 when it does not. */
  @Get()
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
