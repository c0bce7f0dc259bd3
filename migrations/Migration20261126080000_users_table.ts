import { SchemaMigration } from '../src/database/schema-migration';

/** The `user` table: the tutorial's first migration ("users table"). */
export class Migration20261126080000_users_table extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.createTable('user')
        .addColumn('username', 'varchar(64)', (col) => col.notNull())
        .addColumn('email', 'varchar(120)', (col) => col.notNull())
        .addColumn('password_hash', 'varchar(128)'),
      this.uniqueIndex('ix_user_username', 'user', ['username']),
      this.uniqueIndex('ix_user_email', 'user', ['email']),
    );
  }

  override down(): void {
    this.addSchema(this.schema.dropTable('user'));
  }
}
