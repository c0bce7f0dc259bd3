import type { MikroORM } from '@mikro-orm/core';

export interface ColumnShape {
  name: string;
  type: string;
  notNull: boolean;
  primaryKey: boolean;
}

export interface IndexShape {
  name: string;
  unique: boolean;
  columns: string[];
}

export interface ForeignKeyShape {
  from: string;
  table: string;
  to: string;
}

export interface TableShape {
  columns: ColumnShape[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

/** Reads a SQLite database's application tables the way `.schema` would show them. */
export async function readSqliteSchema(orm: MikroORM): Promise<Record<string, TableShape>> {
  const conn = orm.em.getConnection();
  const query = async <Row>(sql: string, params: unknown[] = []) =>
    (await conn.execute(sql, params)) as Row[];
  const tables = await query<{ name: string }>(
    `select name from sqlite_master where type = 'table'
       and name not like 'sqlite_%' and name <> 'mikro_orm_migrations' order by name`,
  );
  const schema: Record<string, TableShape> = {};
  for (const { name: table } of tables) {
    const columns = await query<{ name: string; type: string; notnull: number; pk: number }>(
      'select name, type, "notnull", pk from pragma_table_info(?) order by cid',
      [table],
    );
    const indexList = await query<{ name: string; unique: number; origin: string }>(
      'select name, "unique", origin from pragma_index_list(?) order by name',
      [table],
    );
    const indexes: IndexShape[] = [];
    for (const index of indexList.filter((i) => i.origin === 'c')) {
      const cols = await query<{ name: string }>(
        'select name from pragma_index_info(?) order by seqno',
        [index.name],
      );
      indexes.push({
        name: index.name,
        unique: index.unique === 1,
        columns: cols.map((c) => c.name),
      });
    }
    const foreignKeys = await query<ForeignKeyShape>(
      'select "from", "table", "to" from pragma_foreign_key_list(?)',
      [table],
    );
    schema[table] = {
      columns: columns.map((c) => ({
        name: c.name,
        type: c.type.toUpperCase(),
        notNull: c.notnull === 1,
        primaryKey: c.pk > 0,
      })),
      indexes,
      foreignKeys: foreignKeys.map((fk) => ({ from: fk.from, table: fk.table, to: fk.to })),
    };
  }
  return schema;
}
