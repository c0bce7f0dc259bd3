import { type Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { CURSOR_MAX_LENGTH, CURSOR_PATTERN } from './page-query.dto';
import { MAX_PAGE_SIZE } from './page';

/** Swagger schema of `Page<T>` for a given item class (one named class per item type). */
export function PageDto<T>(
  item: Type<T>,
  name: string,
): Type<{ items: T[]; nextCursor: string | null }> {
  class PageOfItems {
    @ApiProperty({ type: [item], maxItems: MAX_PAGE_SIZE, description: 'At most `limit` items' })
    items!: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      maxLength: CURSOR_MAX_LENGTH,
      pattern: CURSOR_PATTERN,
      description: 'Pass as `cursor` to get the next page; null on the last page',
      example: 'WyJwb3N0cyIsMTc2NDE0MDQwMDAwMCw0Ml0.2b0dT8k1ySxqj9l3l7cW3A',
    })
    nextCursor!: string | null;
  }
  Object.defineProperty(PageOfItems, 'name', { value: name });
  return PageOfItems;
}
