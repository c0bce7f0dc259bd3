import type { Options } from '@mikro-orm/core';
import type { MariaDbDriver } from '@mikro-orm/mariadb';
import type { MySqlDriver } from '@mikro-orm/mysql';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqliteDriver } from '@mikro-orm/sqlite';
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver as KyselySqliteDriver,
} from 'kysely';
import type { DatabaseTarget, ReplicaTarget, ServerTarget, SqliteTarget } from './database-url';
import type { PostgreSqlReplicasDriver } from './replicas/postgresql-replicas.driver';
import { REPLICA_TIMEOUT_MS } from './replicas/replica-timing';
import { LockWaitingConnection } from './sqlite-lock-wait';
import { ReusingStatements } from './sqlite-statements';

/**
 * How long a SQLite statement waits for another connection's lock before failing with
 * SQLITE_BUSY. The driver waits (LockWaitingConnection), not SQLite: its busy timeout is 0.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Page cache per SQLite connection, in KiB. */
export const SQLITE_CACHE_KIB = 64 * 1024;

/**
 * The `application_name` of the app's PostgreSQL connections, as `pg_stat_activity` shows them:
 * this on the primary, `microblog-nest:replica-1` (and so on) on the read replicas.
 */
export const APPLICATION_NAME = 'microblog-nest';

type DriverClass = NonNullable<Options['driver']>;

/**
 * How long a request waits for a connection to PostgreSQL or MySQL/MariaDB: to open one, and on
 * PostgreSQL also for a free one in the pool. `pg` waits forever by default (`mysql2` 10 s), so a
 * server that no longer answers would hold every request until `REQUEST_TIMEOUT` (10 s) cuts
 * the client off without an answer; past this the request is a 503 with `Retry-After` instead.
 * 5 s is far above a connect on a working network (a few ms) and a busy pool's wait under the
 * reliability suite's 64-connection load.
 */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * Loads one driver package on demand, so that an app on SQLite never loads `pg` or `mysql2`
 * (and would run without them installed), and the other way round.
 */
function loadDriver<T extends DriverClass>(pkg: string, exportName: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(pkg) as Record<string, T>)[exportName];
}

/**
 * The driver-specific part of the ORM options: the one place that maps a database target (and
 * its read replicas, on PostgreSQL) to a MikroORM driver and its connection settings.
 */
export function driverOptions(
  target: DatabaseTarget,
  replicas: readonly ReplicaTarget[] = [],
): Partial<Options> {
  switch (target.driver) {
    case 'sqlite':
      return sqliteOptions(target);
    case 'postgresql':
      return postgresqlOptions(target, replicas);
    case 'mysql':
      return serverOptions(
        target,
        loadDriver<typeof MySqlDriver>('@mikro-orm/mysql', 'MySqlDriver'),
        { connectTimeout: CONNECT_TIMEOUT_MS }, // mysql2 pool options
      );
    case 'mariadb':
      return serverOptions(
        target,
        loadDriver<typeof MariaDbDriver>('@mikro-orm/mariadb', 'MariaDbDriver'),
        { connectTimeout: CONNECT_TIMEOUT_MS }, // mysql2 pool options
      );
  }
}

function serverOptions(
  target: ServerTarget,
  driver: DriverClass,
  poolOptions: Record<string, unknown>,
): Partial<Options> {
  return { driver, clientUrl: target.clientUrl, dbName: target.dbName, driverOptions: poolOptions };
}

/**
 * PostgreSQL, and its read replicas as MikroORM's `replicas`. With replicas, the driver is one
 * that keeps every ORM query on the primary (`preferReadReplicas: false` says the same to the
 * ORM): only `ReadReplicas` sends reads to a replica, once it knows that the request may and
 * that the replica is healthy. A replica's connection attempt gives up after
 * `REPLICA_TIMEOUT_MS`, and TCP keep-alive finds its dead connections.
 */
function postgresqlOptions(
  target: ServerTarget,
  replicas: readonly ReplicaTarget[],
): Partial<Options> {
  const options = {
    ...serverOptions(
      target,
      loadDriver<typeof PostgreSqlDriver>('@mikro-orm/postgresql', 'PostgreSqlDriver'),
      // pg.Pool options (MikroORM merges a plain `driverOptions` object into them).
      { application_name: APPLICATION_NAME, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    ),
  };
  if (replicas.length === 0) {
    return options;
  }
  return {
    ...options,
    driver: loadDriver<typeof PostgreSqlReplicasDriver>(
      './replicas/postgresql-replicas.driver',
      'PostgreSqlReplicasDriver',
    ),
    preferReadReplicas: false,
    replicas: replicas.map((replica) => ({
      name: replica.name,
      clientUrl: replica.clientUrl,
      dbName: replica.dbName,
      driverOptions: {
        application_name: `${APPLICATION_NAME}:${replica.name}`,
        connectionTimeoutMillis: REPLICA_TIMEOUT_MS,
        keepAlive: true,
      },
    })),
  };
}

function sqliteOptions(target: SqliteTarget): Partial<Options> {
  const pragmas = [
    'foreign_keys = ON',
    // A 64 MiB page cache (the default is 2 MiB) keeps the post indexes in memory.
    `cache_size = -${SQLITE_CACHE_KIB}`,
  ];
  if (target.dbName !== ':memory:') {
    // WAL lets readers proceed while one writer commits; NORMAL sync is durable across process
    // crashes in WAL mode (only an OS crash can lose the last commits).
    pragmas.push('journal_mode = WAL', 'synchronous = NORMAL');
  }
  return {
    driver: loadDriver<typeof SqliteDriver>('@mikro-orm/sqlite', 'SqliteDriver'),
    dbName: target.dbName,
    // The Kysely dialect MikroORM would build, given here (MikroORM's supported way) to open the
    // connection through ReusingStatements, to set it up before its first query, and to wait
    // for locks without blocking the event loop (see LockWaitingConnection).
    driverOptions: new WriteTransactionsDialect({
      database: () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Database = require('better-sqlite3') as typeof BetterSqlite3;
        // No busy timeout of SQLite's own: it would sleep with the event loop stopped.
        return Promise.resolve(new ReusingStatements(new Database(target.dbName, { timeout: 0 })));
      },
      async onCreateConnection(connection) {
        for (const pragma of pragmas) {
          await connection.executeQuery(CompiledQuery.raw(`pragma ${pragma}`));
        }
      },
    }),
  };
}

/** The dialect's settings, with the connection it opens: ReusingStatements. */
interface WriteTransactionsSettings extends SqliteDialectConfig {
  database: () => Promise<ReusingStatements>;
}

/**
 * SQLite's Kysely dialect, with transactions that begin `immediate`: they take the write lock at
 * once, waiting for it up to the busy timeout. A plain (deferred) `begin` takes it at the first
 * write; if another process (a worker of `WEB_CONCURRENCY`, the seed command) has committed since
 * the transaction's first read, SQLite then refuses at once (SQLITE_BUSY_SNAPSHOT), which no busy
 * timeout can help: the request would be a 503. Every transaction the app opens writes (reads run
 * outside transactions), so taking the lock first holds nothing back.
 */
class WriteTransactionsDialect extends SqliteDialect {
  constructor(private readonly settings: WriteTransactionsSettings) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionsDriver(this.settings);
  }
}

/**
 * Also waits for locks without blocking the event loop: its one connection, the set-up pragmas
 * included, goes through a LockWaitingConnection, which asks the connection this driver opened
 * whether it is inside a transaction.
 */
class ImmediateTransactionsDriver extends KyselySqliteDriver {
  private readonly opened: { database?: ReusingStatements };
  private waiting?: DatabaseConnection;

  constructor({ database, onCreateConnection }: WriteTransactionsSettings) {
    const opened: { database?: ReusingStatements } = {};
    const waiting = (connection: DatabaseConnection) =>
      new LockWaitingConnection(
        connection,
        () => opened.database?.inTransaction ?? false,
        SQLITE_BUSY_TIMEOUT_MS,
      );
    super({
      database: async () => (opened.database = await database()),
      onCreateConnection:
        onCreateConnection && ((c, options) => onCreateConnection(waiting(c), options)),
    });
    this.opened = opened;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    this.waiting ??= new LockWaitingConnection(
      await super.acquireConnection(),
      () => this.opened.database?.inTransaction ?? false,
      SQLITE_BUSY_TIMEOUT_MS,
    );
    return this.waiting;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
