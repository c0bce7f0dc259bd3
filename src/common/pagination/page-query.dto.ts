import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Checks } from '../validation/text.validators';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page';

/** `?limit=&cursor=` of every listing. */
export class PageQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'Items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @Checks(
    IsInt({ message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` }),
    Min(1, { message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` }),
    Max(MAX_PAGE_SIZE, { message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` }),
  )
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({
    description: "The previous page's `nextCursor`; omit for the first page",
    example: 'WyJwb3N0cyIsMTc2NDE0MDQwMDAwMCw0Ml0.2b0dT8k1ySxqj9l3l7cW3A',
  })
  @IsOptional()
  @Checks(IsString(), MaxLength(512))
  cursor?: string;
}
