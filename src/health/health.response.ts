import { ApiProperty } from '@nestjs/swagger';

/** What `GET /health` answers when the database answers. */
export class HealthResponse {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';

  @ApiProperty({ enum: ['up'], example: 'up', description: 'The database answered a ping' })
  database!: 'up';
}
