/** The part of a better-sqlite3 connection the cache wraps. */
export interface PreparingConnection<S = unknown> {
  prepare(sql: string): S;
}

/** How many compiled statements a connection keeps. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Makes `connection.prepare` reuse compiled statements. knex prepares every query it runs, and
 * better-sqlite3 compiles the SQL each time; the app's queries are a few dozen texts with `?`
 * placeholders, so compiling each once saves that work on every request. The least recently
 * used statement goes when the cache is full (SQL with values written into it, as some ORM
 * writes have, passes through without crowding the rest out for long).
 *
 * Safe because knex only runs a statement to completion (`all()` or `run()`, never an open
 * iterator) on a connection used by one query at a time, and SQLite recompiles a cached
 * statement by itself when the schema changes.
 */
export function cachePreparedStatements<S>(
  connection: PreparingConnection<S>,
  size = STATEMENT_CACHE_SIZE,
): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, S>();
  connection.prepare = (sql: string): S => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= size) {
        cache.delete(cache.keys().next().value!);
      }
    } else {
      cache.delete(sql); // re-inserted below: Map order is the recency order
    }
    cache.set(sql, statement);
    return statement;
  };
}
