import { MikroORM } from '@mikro-orm/core';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';

@Controller('health')
export class HealthController {
  constructor(private readonly orm: MikroORM) {}

  /** 200 when the database answers a ping, 503 when it does not. */
  @Get()
  async check(): Promise<{ status: 'ok'; database: 'up' }> {
    const result = await this.orm.checkConnection();
    if (!result.ok) {
      throw new ServiceUnavailableException(`database unreachable: ${result.reason}`);
    }
    return { status: 'ok', database: 'up' };
  }
}
