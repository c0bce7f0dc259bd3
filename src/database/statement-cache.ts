/** The part of a better-sqlite3 connection the cache wraps. */
export interface PreparingConnection<S = unknown> {
  prepare(sql: string): S;
}

/** How many compiled statements a connection keeps, at most. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * How much SQL text the kept statements may add up to. A compiled statement's memory grows with
 * its text: 256 multi-kilobyte INSERTs with their values written into the SQL (MikroORM writes
 * values into the SQL it runs) would hold hundreds of megabytes.
 */
export const STATEMENT_CACHE_CHARS = 256 * 1024;

/**
 * Makes `connection.prepare` reuse compiled statements. knex prepares every query it runs, and
 * better-sqlite3 compiles the SQL each time; the app's hot queries are a few texts with `?`
 * placeholders, so compiling each once saves that work on every request. The least recently
 * used statements go when the cache holds too many, or too much text.
 *
 * Safe because knex only runs a statement to completion (`all()` or `run()`, never an open
 * iterator) on a connection used by one query at a time, and SQLite recompiles a cached
 * statement by itself when the schema changes.
 */
export function cachePreparedStatements<S>(
  connection: PreparingConnection<S>,
  { size = STATEMENT_CACHE_SIZE, chars = STATEMENT_CACHE_CHARS } = {},
): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, S>();
  let cachedChars = 0;
  connection.prepare = (sql: string): S => {
    let statement = cache.get(sql);
    if (statement !== undefined) {
      cache.delete(sql); // re-inserted below: Map order is the recency order
      cache.set(sql, statement);
      return statement;
    }
    statement = prepare(sql);
    if (sql.length <= chars) {
      cache.set(sql, statement);
      cachedChars += sql.length;
      for (const oldest of cache.keys()) {
        if (cache.size <= size && cachedChars <= chars) {
          break;
        }
        cache.delete(oldest);
        cachedChars -= oldest.length;
      }
    }
    return statement;
  };
}
