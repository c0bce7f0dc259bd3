import type { MikroORM } from '@mikro-orm/core';
import {
  DatabaseSchema,
  type AbstractSqlConnection,
  type AbstractSqlPlatform,
} from '@mikro-orm/sql';

export interface TableShape {
  /** [name, type, nullable] in column order. */
  columns: [string, string, boolean][];
  /** [name, columns, unique] of the secondary indexes, by name. */
  indexes: [string, string[], boolean][];
  /** [name, columns, referenced table, referenced columns]. */
  foreignKeys: [string, string[], string, string[]][];
}

/**
 * The application tables of a migrated database as MikroORM introspects them (the same reader
 * on SQLite, PostgreSQL and MariaDB), reduced to what the schema promises.
 */
export async function readSchema(orm: MikroORM): Promise<Record<string, TableShape>> {
  const schema = await DatabaseSchema.create(
    orm.em.getConnection() as AbstractSqlConnection,
    orm.em.getPlatform() as AbstractSqlPlatform,
    orm.config,
  );
  const tables: Record<string, TableShape> = {};
  for (const table of schema.getTables()) {
    if (table.name === 'mikro_orm_migrations') {
      continue;
    }
    tables[table.name] = {
      columns: table.getColumns().map((c) => [c.name, c.type.toLowerCase(), c.nullable === true]),
      indexes: table
        .getIndexes()
        .filter((i) => !i.primary)
        .map((i): [string, string[], boolean] => [i.keyName, i.columnNames, i.unique])
        .sort(([a], [b]) => a.localeCompare(b)),
      foreignKeys: Object.values(table.getForeignKeys()).map((fk) => [
        fk.constraintName,
        fk.columnNames,
        fk.referencedTableName.replace(/^public\./, ''),
        fk.referencedColumnNames,
      ]),
    };
  }
  return tables;
}

/**
 * What deleting a referenced row does to the rows that refer to it, by foreign key constraint
 * name, as MikroORM introspects it (`cascade`, `no action`; MariaDB reports its `no action`
 * as `restrict`).
 */
export async function readDeleteRules(orm: MikroORM): Promise<Record<string, string>> {
  const schema = await DatabaseSchema.create(
    orm.em.getConnection() as AbstractSqlConnection,
    orm.em.getPlatform() as AbstractSqlPlatform,
    orm.config,
  );
  const rules: Record<string, string> = {};
  for (const table of schema.getTables()) {
    for (const fk of Object.values(table.getForeignKeys())) {
      rules[fk.constraintName] = (fk.deleteRule ?? 'no action').toLowerCase();
    }
  }
  return rules;
}
