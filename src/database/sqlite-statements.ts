import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** The part of a better-sqlite3 connection this needs. */
export interface PreparingDatabase {
  prepare(sql: string): SqliteStatement;
  close(): unknown;
  /** Whether a transaction is open on the connection. */
  readonly inTransaction: boolean;
}

/** A kept statement, and when it was last used (`ReusingStatements.uses`). */
interface KeptStatement {
  readonly statement: SqliteStatement;
  lastUse: number;
}

/** How many compiled statements are kept, at most. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * How much SQL text the kept statements may add up to. A compiled statement's memory grows with
 * its text, so 256 multi-kilobyte statements would hold hundreds of megabytes.
 */
export const STATEMENT_CACHE_CHARS = 256 * 1024;

/**
 * A SQLite connection for Kysely's `SqliteDialect` (its documented `SqliteDatabase` interface)
 * that compiles each parameterized statement once. better-sqlite3 compiles the SQL on every
 * `prepare()`, and Kysely prepares every query it runs; the read queries are a few texts with
 * `?` placeholders, so reusing their compiled statements saves that work on every request:
 * about 11 µs of CPU per query here, a third of the read layer's own cost (README,
 * Performance).
 *
 * Only statements with placeholders are kept: MikroORM writes values into the SQL of its own
 * queries, so those texts rarely repeat. The least recently used statements go when there are
 * too many or their text adds up to too much. Safe because Kysely runs a statement to
 * completion before the next one on its single connection (`all()` or `run()`; streaming is
 * not used), and SQLite recompiles a kept statement by itself when the schema changes.
 *
 * A hit only stamps the entry with a counter; the least recently used is looked for when one
 * must go. Keeping the recency order in the `Map` itself (delete and set again on every hit)
 * made V8 rebuild the map's table every few requests, each new table reachable from the one
 * before it: they survived every scavenge, and at 4,000 requests a second that filled old
 * space fast enough for a mark-compact every 6 s, each stalling the event loop for 50-80 ms
 * (bench/README.md, "Tail latency").
 */
export class ReusingStatements implements SqliteDatabase {
  private readonly statements = new Map<string, KeptStatement>();
  private chars = 0;
  /** Stamps the entries in order of use: the least recently used has the smallest. */
  private uses = 0;

  constructor(
    private readonly db: PreparingDatabase,
    private readonly limits = { size: STATEMENT_CACHE_SIZE, chars: STATEMENT_CACHE_CHARS },
  ) {}

  prepare(sql: string): SqliteStatement {
    const kept = this.statements.get(sql);
    if (kept) {
      kept.lastUse = ++this.uses;
      return kept.statement;
    }
    const statement = this.db.prepare(sql);
    if (sql.includes('?') && sql.length <= this.limits.chars) {
      this.statements.set(sql, { statement, lastUse: ++this.uses });
      this.chars += sql.length;
      while (this.statements.size > this.limits.size || this.chars > this.limits.chars) {
        this.dropLeastRecentlyUsed();
      }
    }
    return statement;
  }

  private dropLeastRecentlyUsed(): void {
    let oldest: string | undefined;
    let oldestUse = Infinity;
    for (const [sql, { lastUse }] of this.statements) {
      if (lastUse < oldestUse) {
        oldest = sql;
        oldestUse = lastUse;
      }
    }
    if (oldest !== undefined) {
      this.statements.delete(oldest);
      this.chars -= oldest.length;
    }
  }

  /** Whether a transaction is open on the connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}
