import type { Options } from '@mikro-orm/core';
import type { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import type { MariaDbDriver } from '@mikro-orm/mariadb';
import type { MySqlDriver } from '@mikro-orm/mysql';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { DatabaseTarget, ServerTarget, SqliteTarget } from './database-url';
import { cachePreparedStatements } from './statement-cache';

/** How long a SQLite writer waits for another one's lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Page cache per SQLite connection, in KiB. */
export const SQLITE_CACHE_KIB = 64 * 1024;

interface BetterSqliteConnection {
  pragma(source: string): unknown;
  prepare(sql: string): unknown;
}

type DriverClass = NonNullable<Options['driver']>;

/**
 * Loads one driver package on demand, so that an app on SQLite never loads `pg` or `mysql2`
 * (and would run without them installed), and the other way round.
 */
function loadDriver<T extends DriverClass>(pkg: string, exportName: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(pkg) as Record<string, T>)[exportName];
}

/**
 * The driver-specific part of the ORM options: the one place that maps a database target to a
 * MikroORM driver and its connection settings.
 */
export function driverOptions(target: DatabaseTarget): Options {
  switch (target.driver) {
    case 'sqlite':
      return sqliteOptions(target);
    case 'postgresql':
      return serverOptions(
        target,
        loadDriver<typeof PostgreSqlDriver>('@mikro-orm/postgresql', 'PostgreSqlDriver'),
      );
    case 'mysql':
      return serverOptions(
        target,
        loadDriver<typeof MySqlDriver>('@mikro-orm/mysql', 'MySqlDriver'),
      );
    case 'mariadb':
      return serverOptions(
        target,
        loadDriver<typeof MariaDbDriver>('@mikro-orm/mariadb', 'MariaDbDriver'),
      );
  }
}

function serverOptions(target: ServerTarget, driver: DriverClass): Options {
  return { driver, clientUrl: target.clientUrl, dbName: target.dbName };
}

function sqliteOptions(target: SqliteTarget): Options {
  const inMemory = target.dbName === ':memory:';
  return {
    driver: loadDriver<typeof BetterSqliteDriver>('@mikro-orm/better-sqlite', 'BetterSqliteDriver'),
    dbName: target.dbName,
    pool: {
      // Runs on every connection the pool opens, before it is handed out.
      afterCreate(conn: BetterSqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        try {
          conn.pragma('foreign_keys = ON');
          conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
          // A 64 MiB page cache (the default is 2 MiB) keeps the post indexes in memory.
          conn.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
          if (!inMemory) {
            // WAL lets readers proceed while one writer commits; NORMAL sync is durable across
            // process crashes in WAL mode (only an OS crash can lose the last commits).
            conn.pragma('journal_mode = WAL');
            conn.pragma('synchronous = NORMAL');
          }
          cachePreparedStatements(conn);
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
  };
}
