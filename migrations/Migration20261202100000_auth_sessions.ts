import { SchemaMigration } from '../src/database/schema-migration';

/** Sign-in sessions and their refresh tokens (stored as hashes), for accounts. */
export class Migration20261202100000_auth_sessions extends SchemaMigration {
  override up(): void {
    const { reference, timestamp } = this.types;
    this.addSchema(
      this.createTable('auth_session')
        .addColumn('user_id', reference, (col) => col.notNull())
        .addColumn('created_at', timestamp, (col) => col.notNull())
        .addColumn('expires_at', timestamp, (col) => col.notNull())
        .addColumn('revoked_at', timestamp)
        .addForeignKeyConstraint(
          'auth_session_user_id_foreign',
          ['user_id'],
          'user',
          ['id'],
          (fk) => fk.onDelete('cascade'),
        ),
      this.schema.createIndex('ix_auth_session_user_id').on('auth_session').column('user_id'),
      this.schema.createIndex('ix_auth_session_expires_at').on('auth_session').column('expires_at'),
      this.createTable('refresh_token')
        .addColumn('session_id', reference, (col) => col.notNull())
        .addColumn('token_hash', 'varchar(64)', (col) => col.notNull())
        .addColumn('created_at', timestamp, (col) => col.notNull())
        .addColumn('expires_at', timestamp, (col) => col.notNull())
        .addColumn('used_at', timestamp)
        .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
        .addForeignKeyConstraint(
          'refresh_token_session_id_foreign',
          ['session_id'],
          'auth_session',
          ['id'],
          (fk) => fk.onDelete('cascade'),
        ),
      this.uniqueIndex('ix_refresh_token_token_hash', 'refresh_token', ['token_hash']),
      this.schema
        .createIndex('ix_refresh_token_session_id')
        .on('refresh_token')
        .column('session_id'),
    );
  }

  override down(): void {
    this.addSchema(this.schema.dropTable('refresh_token'), this.schema.dropTable('auth_session'));
  }
}
