import type {
  EntityData,
  EntityKey,
  EntityName,
  EntityProperty,
  MikroORM,
  Platform,
} from '@mikro-orm/core';
import { BasePostgreSqlPlatform } from '@mikro-orm/sql';
import { CompiledQuery } from 'kysely';
import type { QueryDatabase } from '../../database/query-database';

/**
 * Bound parameters one statement may have on every supported database: SQLite's limit
 * (SQLITE_MAX_VARIABLE_NUMBER); PostgreSQL and MySQL/MariaDB allow 65,535.
 */
export const MAX_STATEMENT_PARAMETERS = 32_766;

/**
 * Multi-row INSERTs of plain column values for one entity, for bulk loading: the one write that
 * does not go through the unit of work, because a million entities in an identity map and their
 * change sets cost ten times the insert itself. Table and column names come from the entity's
 * metadata, values are converted as the ORM converts them (a date through the platform's
 * `processDateProperty()`, so SQLite gets its milliseconds) and bound to `?` placeholders, and
 * the statements run through the `QueryDatabase`: on the current transaction, with the ORM's
 * exceptions. Every full statement has the same text, so no per-row SQL is built or parsed.
 *
 * Statements are as large as the parameter limit allows: on SQLite each statement inside a
 * transaction first copies every index page it changes to a statement journal, and random
 * timestamps and authors change most index pages whatever the statement's size, so fewer,
 * larger statements copy less (1M posts: 1,000-row statements took 1.8x as long as 10,000).
 *
 * Not a query builder's `insert(rows)`: building a tree of 30,000 value nodes per statement
 * costs more than the insert.
 */
export class BulkInsert<T extends object> {
  /** Rows in each statement but the last. */
  readonly rowsPerStatement: number;
  private readonly platform: Platform;
  private readonly properties: readonly EntityProperty<T>[];
  private readonly head: string;
  private readonly columnCount: number;
  private readonly numberedPlaceholders: boolean;
  private readonly fullStatement: string;

  /**
   * @param properties the properties every row gives, each stored in one column (a to-one
   *                   relation's value is the referenced primary key)
   */
  constructor(orm: MikroORM, entityName: EntityName<T>, properties: readonly EntityKey<T>[]) {
    const meta = orm.getMetadata(entityName);
    const platform = (this.platform = orm.config.getPlatform());
    this.properties = properties.map((name) => {
      const prop = meta.properties[name];
      if (prop?.fieldNames?.length !== 1) {
        throw new Error(`${meta.className}.${name} is not a property stored in one column`);
      }
      return prop;
    });
    const columns = this.properties.map((prop) => platform.quoteIdentifier(prop.fieldNames[0]));
    this.head = `insert into ${platform.quoteIdentifier(meta.tableName)} (${columns.join(', ')}) values `;
    this.columnCount = columns.length;
    this.numberedPlaceholders = platform instanceof BasePostgreSqlPlatform;
    this.rowsPerStatement = Math.floor(MAX_STATEMENT_PARAMETERS / columns.length);
    this.fullStatement = this.statement(this.rowsPerStatement);
  }

  /**
   * Inserts `rows` in statements of `rowsPerStatement` rows, in the current transaction if there
   * is one. Rows are read only as they are needed, so a generator keeps memory flat. Returns the
   * number of rows inserted.
   */
  async insert(db: QueryDatabase, rows: Iterable<EntityData<T>>): Promise<number> {
    let params: unknown[] = [];
    let pending = 0;
    let inserted = 0;
    const flush = async () => {
      const sql = pending === this.rowsPerStatement ? this.fullStatement : this.statement(pending);
      await db.executeQuery(CompiledQuery.raw(sql, params));
      inserted += pending;
      params = [];
      pending = 0;
    };
    for (const row of rows) {
      for (const prop of this.properties) {
        params.push(toDatabaseValue(prop, row[prop.name], this.platform));
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

  /** The statement for `rows` rows: `?` placeholders, or `$1, $2, ...` on PostgreSQL. */
  private statement(rows: number): string {
    const tuples: string[] = [];
    for (let row = 0, n = 0; row < rows; row++) {
      const marks: string[] = [];
      for (let column = 0; column < this.columnCount; column++) {
        marks.push(this.numberedPlaceholders ? `$${++n}` : '?');
      }
      tuples.push(`(${marks.join(', ')})`);
    }
    return this.head + tuples.join(', ');
  }
}

/** A property's value as the database driver is given it. */
function toDatabaseValue<T>(prop: EntityProperty<T>, value: unknown, platform: Platform): unknown {
  const converted: unknown = prop.customType
    ? prop.customType.convertToDatabaseValue(value, platform, {
        key: prop.name,
        mode: 'query-data',
      })
    : value;
  return converted instanceof Date ? platform.processDateProperty(converted) : converted;
}
