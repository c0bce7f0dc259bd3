import { p } from '@mikro-orm/core';

/** A real `varchar(n)` on every database (SQLite included), as the tutorial's schema has. */
export function varchar(length: number) {
  return p.string().length(length).columnType(`varchar(${length})`);
}
