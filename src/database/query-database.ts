import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { CompiledQuery, DatabaseConnection, Driver, Kysely, QueryResult } from 'kysely';
import { databaseOutage } from './connection-errors';
import { kyselyFor, sqlDialectOf } from './dialect';
import { EntityValuesPlugin } from './entity-values.plugin';
import type { ReadReplicas } from './replicas/read-replicas';
import type { Database } from './schema';

/**
 * The Kysely instance that the read queries (`*.queries.ts`) build and run their SQL with.
 *
 * - Typed by `Database`, the schema inferred from the entity definitions: table and column
 *   names come from the entities, so a rename there is a compile error in every query.
 * - Its driver runs each query on `em`'s current connection: the request's context, and its
 *   transaction when there is one (`em.getKysely()` resolves both at run time).
 * - The driver turns every error into MikroORM's exceptions, exactly as the ORM's own queries do
 *   (a unique or foreign key violation, a lock timeout, a lost connection), so the error filter
 *   answers them the same way; a query run through this instance cannot skip that.
 * - Values come back as the entities hold them (dates as `Date` on every database), and `Date`
 *   parameters are bound as the ORM binds them, from the same metadata (`EntityValuesPlugin`).
 * - It has no transactions of its own: writes go through the unit of work.
 * - A read outside a transaction whose connection was lost under it (a server restart, a killed
 *   connection) runs once more, on a fresh connection: nothing was written, so it is safe. Inside
 *   a transaction nothing is retried (the transaction is gone with its connection).
 * - With read replicas, a query outside a transaction goes where `ReadReplicas` sends it: a
 *   healthy replica in a public GET's handler, the primary anywhere else (see `ReadRouting`).
 *
 * Values are bound as parameters, never written into the SQL text.
 */
export type QueryDatabase = Kysely<Database>;

export function createQueryDatabase(
  em: EntityManager,
  replicas?: ReadReplicas | null,
): QueryDatabase {
  const sqlEm = em as SqlEntityManager;
  const values = new EntityValuesPlugin(sqlEm);
  return kyselyFor<Database>(
    sqlDialectOf(sqlEm.getPlatform()),
    new EntityManagerDriver(sqlEm, values, replicas?.configured ? replicas : undefined),
    [values],
  );
}

/**
 * Runs compiled queries on the EntityManager's current connection (or, for a read outside a
 * transaction, where the read replicas say), with the ORM's exceptions.
 */
class EntityManagerDriver implements Driver {
  private readonly connection: DatabaseConnection;

  constructor(em: SqlEntityManager, values: EntityValuesPlugin, replicas?: ReadReplicas) {
    this.connection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const bound = query.parameters.some((p) => p instanceof Date)
          ? { ...query, parameters: query.parameters.map((p) => values.parameterOf(p)) }
          : query;
        const run = async () => {
          try {
            // MikroORM connects lazily; the ORM's own queries make sure of it the same way.
            await em.getConnection().ensureConnection();
            const onPrimary = () => em.getKysely().executeQuery<R>(bound);
            return await (replicas && !em.getTransactionContext()
              ? replicas.read(bound, onPrimary)
              : onPrimary());
          } catch (err) {
            throw em.getDriver().convertException(err as Error);
          }
        };
        const retryable = query.query.kind === 'SelectQueryNode' && !em.getTransactionContext();
        return retryable ? retryOnLostConnection(run) : run();
      },
      streamQuery() {
        throw new Error('streaming is not supported here; page with a keyset instead');
      },
    };
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(this.connection);
  }

  beginTransaction(): Promise<void> {
    return noTransactions();
  }

  commitTransaction(): Promise<void> {
    return noTransactions();
  }

  rollbackTransaction(): Promise<void> {
    return noTransactions();
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

/**
 * Runs `read`, and once more if the connection it ran on was lost (`databaseOutage()` says
 * `lost`). The pool has dropped the dead connection by then; waiting for the I/O events already
 * in (`setImmediate`) lets it drop the others a restart closed at the same moment too, so that
 * the second try gets a fresh connection rather than another dead one. An unreachable database
 * is not retried: the next connect would wait (up to the connect timeout) for the same answer.
 */
export async function retryOnLostConnection<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (databaseOutage(err) !== 'lost') {
      throw err;
    }
    await new Promise((resolve) => setImmediate(resolve));
    return read();
  }
}

function noTransactions(): Promise<void> {
  return Promise.reject(
    new Error('read queries join the EntityManager transaction; start one with em.transactional()'),
  );
}
