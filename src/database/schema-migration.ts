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

  protected addSchema(builder: Knex.SchemaBuilder): void {
    const knex = this.getKnex();
    for (const { sql, bindings } of builder.toSQL()) {
      this.addSql(bindings?.length ? knex.raw(sql, bindings as Knex.RawBinding[]) : sql);
    }
  }
}
