import { Migration } from '@mikro-orm/migrations';
import type { Knex } from '@mikro-orm/knex';

/**
 * A migration written with knex's schema builder instead of SQL strings, so that one file
 * produces the right DDL for whichever database `DATABASE_URL` names (SQLite, PostgreSQL,
 * MySQL/MariaDB). The builder is compiled for the connected dialect when the migration runs,
 * and its statements join the migration's transaction like `addSql()` ones.
 */
export abstract class SchemaMigration extends Migration {
  protected get schema(): Knex.SchemaBuilder {
    return this.getKnex().schema;
  }

  /** The connected database's client library: 'better-sqlite3', 'pg', 'mysql2' or 'mariadb'. */
  protected get dialect(): string {
    return String((this.getKnex().client as { driverName?: unknown }).driverName);
  }

  /** MySQL or MariaDB, whose tables get an explicit charset and collation. */
  protected get isMySql(): boolean {
    return this.dialect === 'mysql2' || this.dialect === 'mariadb';
  }

  /**
   * On MySQL/MariaDB: utf8mb4 (whatever the server's default, so emoji fit) and a binary
   * collation, so that uniqueness and ordering compare exactly, as on SQLite and PostgreSQL.
   */
  protected mysqlTableOptions(table: Knex.CreateTableBuilder): void {
    if (this.isMySql) {
      table.charset('utf8mb4');
      table.collate('utf8mb4_bin');
    }
  }

  /**
   * Adds the builder's statements to the migration. Some changes cannot be written as plain
   * statements: knex does them on SQLite by rebuilding the table at run time (dropping or
   * changing a column). Those are refused here rather than silently left out; write them as
   * SQL for each `dialect` instead (SQLite itself can `alter table ... drop column`).
   */
  protected addSchema(builder: Knex.SchemaBuilder): void {
    const knex = this.getKnex();
    const statements = builder.toSQL() as (Knex.Sql & { statementsProducer?: unknown })[];
    if (statements.some((s) => s.statementsProducer || /^pragma table_info/i.test(s.sql))) {
      throw new Error(
        `${this.constructor.name}: this schema change needs a table rebuild on ${this.dialect}; ` +
          'write it as SQL per dialect (see SchemaMigration)',
      );
    }
    for (const { sql, bindings } of statements) {
      this.addSql(bindings?.length ? knex.raw(sql, bindings as Knex.RawBinding[]) : sql);
    }
  }
}
