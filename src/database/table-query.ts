import type { Platform } from '@mikro-orm/core';
import type { Knex, SqlEntityManager } from '@mikro-orm/knex';

/**
 * knex on the EntityManager's connection: its transaction when it has one (on SQLite the pool
 * has one connection, so a query outside the transaction would wait for it forever).
 */
export function knexOf(em: SqlEntityManager): Knex {
  return em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
}

/**
 * A query on plain rows: no entities, no identity map, no change tracking, and placeholders
 * rather than values in the SQL (so SQLite reuses the compiled statement), on the
 * EntityManager's connection (see `knexOf`).
 *
 * The hot paths use these instead of the ORM's entities: reads (loading a page of 20 posts with
 * their authors as managed entities costs about 4x the query itself, and a GET has nothing to
 * flush) and the one-row insert of a post; the seed command's bulk inserts too. See the
 * README's performance section. Every other write keeps the entities and the unit of work.
 */
export function tableQuery(em: SqlEntityManager, table: string): Knex.QueryBuilder {
  return knexOf(em)(table);
}

/**
 * Runs a query built on `knexOf(em)`, turning driver errors into MikroORM's exceptions as the
 * ORM's own queries do (a unique or foreign key violation, a lock timeout), so that the error
 * filter answers them the same way (409, 422, 503) and not with a 500.
 */
export async function runQuery<T>(
  em: SqlEntityManager,
  query: Knex.QueryBuilder | Knex.Raw,
): Promise<T> {
  try {
    return (await query) as T;
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  }
}

/** A date as this database stores it (SQLite: milliseconds), as the ORM would write it. */
export function databaseDate(platform: Platform, date: Date): Date | number {
  return platform.processDateProperty(date) as Date | number;
}
