import { Migration } from '@mikro-orm/migrations';
import { sql, type Compilable, type CreateTableBuilder, type SchemaModule } from 'kysely';
import { kyselyFor, sqlDialectOf, type SqlDialect } from './dialect';

/** A column type, as `addColumn` takes it: a name or an `sql` fragment. */
type ColumnType = Parameters<CreateTableBuilder<string>['addColumn']>[1];

/**
 * A migration written with Kysely's schema builder instead of SQL strings, so that one file
 * produces the right DDL for whichever database `DATABASE_URL` names (SQLite, PostgreSQL,
 * MySQL/MariaDB). The builders are compiled for the connected dialect when the migration runs,
 * and their statements join the migration's transaction like `addSql()` ones.
 *
 * The few things that differ between dialects, and that the schema must get exactly right, are
 * named here once: the auto-increment id, the unsigned integer MySQL uses for keys, the
 * millisecond timestamp, unique indexes, and MySQL's table charset and collation.
 *
 * SQLite cannot alter or drop a column's type or constraints in place: such a change needs the
 * table rebuilt (create, copy, drop, rename), written out in the migration.
 */
export abstract class SchemaMigration extends Migration {
  /** Kysely's schema builder for the connected dialect; its statements are compiled, not run. */
  protected get schema(): SchemaModule {
    return kyselyFor(this.dialect).schema;
  }

  protected get dialect(): SqlDialect {
    return sqlDialectOf(this.driver.getPlatform());
  }

  /** Column types that differ between dialects. */
  protected get types() {
    const dialect = this.dialect;
    return {
      /** A foreign key to an `id`: MySQL's ids are unsigned. */
      reference: (dialect === 'mysql' ? sql`int unsigned` : 'integer') as ColumnType,
      /** A UTC instant to the millisecond (SQLite stores the milliseconds as an integer). */
      timestamp: (dialect === 'sqlite'
        ? 'datetime'
        : dialect === 'postgresql'
          ? 'timestamptz(3)'
          : 'datetime(3)') as ColumnType,
    };
  }

  /**
   * `create table`, with an auto-increment integer `id` primary key first; on MySQL/MariaDB in
   * utf8mb4 (whatever the server's default, so emoji fit) with a binary collation, so that
   * uniqueness and ordering compare exactly, as on SQLite and PostgreSQL.
   */
  protected createTable(name: string): CreateTableBuilder<string, 'id'> {
    const table = this.schema.createTable(name);
    switch (this.dialect) {
      case 'sqlite':
        return table.addColumn('id', 'integer', (col) =>
          col.notNull().primaryKey().autoIncrement(),
        );
      case 'postgresql':
        return table.addColumn('id', 'serial', (col) => col.primaryKey());
      case 'mysql':
        return table
          .addColumn('id', sql`int unsigned`, (col) => col.notNull().autoIncrement().primaryKey())
          .modifyEnd(sql`default character set utf8mb4 collate utf8mb4_bin`);
    }
  }

  /**
   * A named unique index. PostgreSQL gets a unique constraint of that name (backed by an index
   * of the same name), which is what MikroORM's schema comparison expects there.
   */
  protected uniqueIndex(name: string, table: string, columns: string[]): Compilable {
    return this.dialect === 'postgresql'
      ? this.schema.alterTable(table).addUniqueConstraint(name, columns)
      : this.schema.createIndex(name).unique().on(table).columns(columns);
  }

  /** Adds the builders' statements to the migration, compiled for the connected dialect. */
  protected addSchema(...builders: Compilable[]): void {
    for (const builder of builders) {
      const { sql: statement, parameters } = builder.compile();
      if (parameters.length > 0) {
        throw new Error(`${this.constructor.name}: DDL with bound parameters: ${statement}`);
      }
      this.addSql(statement);
    }
  }
}
