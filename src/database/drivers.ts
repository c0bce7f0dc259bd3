import type { Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import type { DatabaseTarget, SqliteTarget } from './database-url';

/** How long a SQLite writer waits for another one's lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

interface BetterSqliteConnection {
  pragma(source: string): unknown;
}

/**
 * The driver-specific part of the ORM options: the one place that maps a database target to a
 * MikroORM driver and its connection settings.
 */
export function driverOptions(target: DatabaseTarget): Options {
  switch (target.driver) {
    case 'sqlite':
      return sqliteOptions(target);
  }
}

function sqliteOptions(target: SqliteTarget): Options {
  const inMemory = target.dbName === ':memory:';
  return {
    driver: BetterSqliteDriver,
    dbName: target.dbName,
    pool: {
      // Runs on every connection the pool opens, before it is handed out.
      afterCreate(conn: BetterSqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        try {
          conn.pragma('foreign_keys = ON');
          conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
          if (!inMemory) {
            // WAL lets readers proceed while one writer commits; NORMAL sync is durable across
            // process crashes in WAL mode (only an OS crash can lose the last commits).
            conn.pragma('journal_mode = WAL');
            conn.pragma('synchronous = NORMAL');
          }
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
  };
}
