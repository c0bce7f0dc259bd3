import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AbortableOperationOptions,
  CompiledQuery,
  DatabaseConnection,
  QueryResult,
} from 'kysely';

/** Pauses between attempts grow by this much, up to `MAX_PAUSE_MS`. */
const PAUSE_STEP_MS = 1;
const MAX_PAUSE_MS = 10;

/**
 * A SQLite connection that waits for another connection's lock without blocking the event loop.
 *
 * SQLite's own busy timeout sleeps inside the call, and better-sqlite3's calls are synchronous:
 * one request waiting for the write lock (held by another worker of `WEB_CONCURRENCY`, the seed
 * command, a script) stopped every other request of the process, reads included, for as long
 * as it waited: under write load on 2 workers, up to a second at a time (bench/README.md, the
 * tail). With SQLite's `busy_timeout` at 0 a statement fails at once with SQLITE_BUSY; this
 * runs it again after a pause of 1 ms, then 2, ... up to 10 ms between attempts, for up to
 * `timeoutMs`, and then lets the error through (the app answers 503).
 *
 * It retries only what SQLite says may be retried: a statement that failed outside a
 * transaction (`begin immediate` itself, or one statement in autocommit) did nothing. Inside a
 * transaction the error goes up, and the transaction is rolled back as for any other error.
 */
export class LockWaitingConnection implements DatabaseConnection {
  constructor(
    private readonly connection: DatabaseConnection,
    /** Whether the connection is inside a transaction now (better-sqlite3's `inTransaction`). */
    private readonly inTransaction: () => boolean,
    private readonly timeoutMs: number,
  ) {}

  async executeQuery<R>(
    query: CompiledQuery,
    options?: AbortableOperationOptions,
  ): Promise<QueryResult<R>> {
    let firstBusyAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connection.executeQuery<R>(query, options);
      } catch (err) {
        firstBusyAt ??= Date.now();
        if (!isBusy(err) || this.inTransaction() || Date.now() - firstBusyAt >= this.timeoutMs) {
          throw err;
        }
        const pause = Math.min(MAX_PAUSE_MS, attempt * PAUSE_STEP_MS);
        await sleep(pause, undefined, { signal: options?.signal });
      }
    }
  }

  streamQuery<R>(
    query: CompiledQuery,
    chunkSize: number,
    options?: AbortableOperationOptions,
  ): AsyncIterableIterator<QueryResult<R>> {
    return this.connection.streamQuery<R>(query, chunkSize, options);
  }
}

/** SQLITE_BUSY and its extended codes (better-sqlite3's `SqliteError.code`). */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
