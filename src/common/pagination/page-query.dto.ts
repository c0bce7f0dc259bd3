import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Checks } from '../validation/text.validators';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page';

/**
 * The longest `cursor` accepted. The cursors the app makes are far shorter: under 200
 * characters for any username the API accepts (the longest listing name, a 64-character
 * username and an id, as base64url, then the signature).
 */
export const CURSOR_MAX_LENGTH = 512;

/** What a cursor looks like (see `CursorCodec`): base64url payload "." base64url signature. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$';

const CANONICAL_INTEGER = /^(0|[1-9][0-9]{0,8})$/;

/**
 * `limit` as written in a query string: a number only in canonical decimal form, so that
 * "0x10", " 5", "010", "1e1" or "5.0" are refused (400) rather than read as some other number.
 */
function parseLimit(value: unknown): unknown {
  return typeof value === 'string' && CANONICAL_INTEGER.test(value) ? Number(value) : value;
}

/** `?limit=&cursor=` of every listing. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'Items per page',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => parseLimit(value))
  @Checks(
    IsInt({ message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` }),
    Min(1, { message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` }),
    Max(MAX_PAGE_SIZE, { message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` }),
  )
  limit: number = DEFAULT_PAGE_SIZE;

  // No example: a cursor is signed with the server's CURSOR_SECRET, so any fixed one would be
  // refused (400), and Swagger UI would send it with every "Try it out".
  @ApiPropertyOptional({
    description: "The previous page's `nextCursor`; omit for the first page",
    maxLength: CURSOR_MAX_LENGTH,
    pattern: CURSOR_PATTERN,
  })
  @IsOptional()
  @Checks(IsString(), MaxLength(CURSOR_MAX_LENGTH))
  cursor?: string;
}
