import { SchemaMigration } from '../src/database/schema-migration';

/** The `user` table: the tutorial's first migration ("users table"). */
export class Migration20261126080000_users_table extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.schema.createTable('user', (table) => {
        this.mysqlTableOptions(table);
        table.increments('id').primary();
        table.string('username', 64).notNullable();
        table.string('email', 120).notNullable();
        table.string('password_hash', 128).nullable();
        table.unique(['username'], { indexName: 'ix_user_username' });
        table.unique(['email'], { indexName: 'ix_user_email' });
      }),
    );
  }

  override down(): void {
    this.addSchema(this.schema.dropTable('user'));
  }
}
