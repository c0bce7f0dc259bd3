import type {
  EntityData,
  EntityKey,
  EntityName,
  EntityProperty,
  MikroORM,
  Platform,
} from '@mikro-orm/core';
import type { Knex, SqlEntityManager } from '@mikro-orm/knex';
import { databaseDate, knexOf, runQuery } from '../../database/table-query';

/**
 * Bound parameters one statement may have on every supported database: SQLite's limit
 * (SQLITE_MAX_VARIABLE_NUMBER); PostgreSQL and MySQL/MariaDB allow 65,535.
 */
export const MAX_STATEMENT_PARAMETERS = 32_766;

/**
 * Multi-row INSERTs of plain column values for one entity, for bulk loading: no entities, no
 * identity map, no change sets. Values are bound to `?` placeholders, converted as the app's
 * own row inserts convert them (a date through the platform's `processDateProperty()`, so
 * SQLite gets its milliseconds), and every full statement has the same text, so SQLite compiles
 * it once (the connection keeps compiled statements) and no per-row SQL is built or parsed.
 *
 * Statements are as large as the parameter limit allows: on SQLite each statement inside a
 * transaction first copies every index page it changes to a statement journal, and random
 * timestamps and authors change most index pages whatever the statement's size, so fewer,
 * larger statements copy less (1M posts: 1,000-row statements took 1.8x as long as 10,000).
 *
 * Not knex's `insert(rows)`: on SQLite it writes many rows as `select ... union all select ...`,
 * which SQLite refuses beyond 500 rows.
 */
export class BulkInsert<T extends object> {
  /** Rows in each statement but the last. */
  readonly rowsPerStatement: number;
  private readonly properties: readonly EntityProperty<T>[];
  private readonly head: string;
  private readonly tuple: string;
  private readonly fullStatement: string;

  /**
   * @param properties the properties every row gives, each stored in one column (a to-one
   *                   relation's value is the referenced primary key)
   */
  constructor(orm: MikroORM, entityName: EntityName<T>, properties: readonly EntityKey<T>[]) {
    const meta = orm.getMetadata(entityName);
    const platform = orm.config.getPlatform();
    this.properties = properties.map((name) => {
      const prop = meta.properties[name];
      if (prop?.fieldNames?.length !== 1) {
        throw new Error(`${meta.className}.${name} is not a property stored in one column`);
      }
      return prop;
    });
    const columns = this.properties.map((prop) => platform.quoteIdentifier(prop.fieldNames[0]));
    this.head = `insert into ${platform.quoteIdentifier(meta.tableName)} (${columns.join(', ')}) values `;
    this.tuple = `(${columns.map(() => '?').join(', ')})`;
    this.rowsPerStatement = Math.floor(MAX_STATEMENT_PARAMETERS / columns.length);
    this.fullStatement = this.statement(this.rowsPerStatement);
  }

  /**
   * Inserts `rows` in statements of `rowsPerStatement` rows, in `em`'s transaction if it has
   * one. Rows are read only as they are needed, so a generator keeps memory flat. Returns the
   * number of rows inserted.
   */
  async insert(em: SqlEntityManager, rows: Iterable<EntityData<T>>): Promise<number> {
    const platform = em.getPlatform();
    const knex = knexOf(em);
    let params: Knex.Value[] = [];
    let pending = 0;
    let inserted = 0;
    const flush = async () => {
      const sql = pending === this.rowsPerStatement ? this.fullStatement : this.statement(pending);
      await runQuery(em, knex.raw(sql, params));
      inserted += pending;
      params = [];
      pending = 0;
    };
    for (const row of rows) {
      for (const prop of this.properties) {
        params.push(toDatabaseValue(prop, row[prop.name], platform));
      }
      if (++pending === this.rowsPerStatement) {
        await flush();
      }
    }
    if (pending > 0) {
      await flush();
    }
    return inserted;
  }

  private statement(rows: number): string {
    return this.head + `${this.tuple}, `.repeat(rows - 1) + this.tuple;
  }
}

/** A property's value as the database driver is given it. */
function toDatabaseValue<T>(
  prop: EntityProperty<T>,
  value: unknown,
  platform: Platform,
): Knex.Value {
  const converted: unknown = prop.customType
    ? prop.customType.convertToDatabaseValue(value, platform, {
        key: prop.name,
        mode: 'query-data',
      })
    : value;
  return (converted instanceof Date ? databaseDate(platform, converted) : converted) as Knex.Value;
}
