import type { Page } from './page';

/**
 * Turns `limit + 1` rows fetched in listing order into a page: the extra row only tells that
 * another page exists, and the cursor points after the last row returned.
 */
export function toPage<T>(rows: T[], limit: number, cursorAfter: (last: T) => string): Page<T> {
  if (rows.length <= limit) {
    return { items: rows, nextCursor: null };
  }
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorAfter(items[items.length - 1]) };
}
