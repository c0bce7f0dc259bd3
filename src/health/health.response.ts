import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_REPLICAS } from '../database/database-url';
import type { ReplicaHealth, ReplicaStatus } from '../database/replicas/read-replicas';

/** One read replica, as `/health` reports it. */
export class ReplicaHealthResponse implements ReplicaHealth {
  @ApiProperty({
    example: 'replica-1',
    maxLength: 16,
    pattern: '^replica-[1-9][0-9]*$',
    description: 'Its place in `DATABASE_REPLICA_URLS`: replica-1 is the first',
  })
  name!: string;

  @ApiProperty({
    enum: ['up', 'lagging', 'down'],
    example: 'up',
    description:
      '`up`: serves public reads. `lagging`: further behind the primary than ' +
      '`REPLICA_MAX_LAG`; `down`: unreachable or not a standby. Either way its reads go to the ' +
      'primary (or another replica) until it is `up` again',
  })
  status!: ReplicaStatus;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    nullable: true,
    example: 3,
    description:
      'Replication lag in ms at the last probe (once a second): at most how stale its data ' +
      'was; 0 when it had everything the primary had. null when it is down',
  })
  lagMs!: number | null;
}

/** What `GET /health` answers when the database answers. */
export class HealthResponse {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    example: 'ok',
    description:
      '`degraded`: Redis is configured but unreachable (the app serves on, each process ' +
      'counting the rate limits in its own memory until Redis is back), or a read replica is ' +
      'not `up` (its reads go to the primary)',
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

  @ApiPropertyOptional({
    type: [ReplicaHealthResponse],
    maxItems: MAX_REPLICAS,
    description: 'Only when `DATABASE_REPLICA_URLS` is set: each read replica',
  })
  replicas?: ReplicaHealthResponse[];
}
