import type { Platform } from '@mikro-orm/core';
import { BaseMySqlPlatform, BasePostgreSqlPlatform, SqlitePlatform } from '@mikro-orm/sql';
import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteQueryCompiler,
  type DialectAdapter,
  type Driver,
  type KyselyPlugin,
  type QueryCompiler,
} from 'kysely';

/** The SQL dialects the project runs on (MariaDB speaks MySQL's). */
export type SqlDialect = 'sqlite' | 'postgresql' | 'mysql';

/** The dialect of the ORM's platform. */
export function sqlDialectOf(platform: Platform): SqlDialect {
  if (platform instanceof SqlitePlatform) {
    return 'sqlite';
  }
  if (platform instanceof BasePostgreSqlPlatform) {
    return 'postgresql';
  }
  if (platform instanceof BaseMySqlPlatform) {
    return 'mysql';
  }
  throw new Error(`no SQL dialect for ${platform.constructor.name}`);
}

/**
 * A Kysely instance for `dialect` that runs its queries with `driver`; by default one that
 * runs nothing (Kysely's `DummyDriver`), to compile queries and DDL without a connection.
 */
export function kyselyFor<DB>(
  dialect: SqlDialect,
  driver: Driver = new DummyDriver(),
  plugins: KyselyPlugin[] = [],
): Kysely<DB> {
  const { adapter, compiler } = PARTS[dialect]();
  return new Kysely<DB>({
    plugins,
    dialect: {
      createAdapter: () => adapter,
      createDriver: () => driver,
      createQueryCompiler: () => compiler,
      createIntrospector: () => {
        throw new Error('no introspection here: the entities and migrations are the schema');
      },
    },
  });
}

/**
 * SQLite's adapter, minus Kysely's one-connection lock: these instances own no connection (the
 * ORM's own Kysely already serializes the queries on its single connection), and a second lock
 * around it could deadlock a transaction that reads through this instance while another
 * request waits here for the connection that transaction holds.
 */
class SharedConnectionSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

const PARTS: Record<SqlDialect, () => { adapter: DialectAdapter; compiler: QueryCompiler }> = {
  sqlite: () => ({
    adapter: new SharedConnectionSqliteAdapter(),
    compiler: new SqliteQueryCompiler(),
  }),
  postgresql: () => ({ adapter: new PostgresAdapter(), compiler: new PostgresQueryCompiler() }),
  mysql: () => ({ adapter: new MysqlAdapter(), compiler: new MysqlQueryCompiler() }),
};
