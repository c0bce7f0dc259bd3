import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What `GET /health` answers when the database answers. */
export class HealthResponse {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    example: 'ok',
    description:
      '`degraded`: Redis is configured but unreachable; the app serves on, each process ' +
      'counting the rate limits in its own memory until Redis is back',
  })
  status!: 'ok' | 'degraded';

  @ApiProperty({ enum: ['up'], example: 'up', description: 'The database answered a ping' })
  database!: 'up';

  @ApiPropertyOptional({
    enum: ['up', 'down'],
    example: 'up',
    description: 'Only when `REDIS_URL` is set: whether Redis answered a ping',
  })
  redis?: 'up' | 'down';
}
