import { SchemaMigration } from '../src/database/schema-migration';

/** The `post` table: the tutorial's second migration ("posts table"), plus our indexes. */
export class Migration20261126080100_posts_table extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.createTable('post')
        .addColumn('body', 'varchar(140)', (col) => col.notNull())
        .addColumn('timestamp', this.types.timestamp, (col) => col.notNull())
        .addColumn('user_id', this.types.reference, (col) => col.notNull())
        .addForeignKeyConstraint('post_user_id_foreign', ['user_id'], 'user', ['id']),
      this.schema.createIndex('ix_post_timestamp').on('post').column('timestamp'),
      this.schema.createIndex('ix_post_user_id').on('post').column('user_id'),
      this.schema
        .createIndex('ix_post_user_id_timestamp')
        .on('post')
        .columns(['user_id', 'timestamp']),
    );
  }

  override down(): void {
    this.addSchema(this.schema.dropTable('post'));
  }
}
