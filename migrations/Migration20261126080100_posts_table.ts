import { SchemaMigration } from '../src/database/schema-migration';

/** The `post` table: the tutorial's second migration ("posts table"), plus our indexes. */
export class Migration20261126080100_posts_table extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.schema.createTable('post', (table) => {
        this.mysqlTableOptions(table);
        table.increments('id').primary();
        table.string('body', 140).notNullable();
        table.datetime('timestamp', { precision: 3 }).notNullable();
        table.integer('user_id').unsigned().notNullable();
        table.foreign('user_id', 'post_user_id_foreign').references('id').inTable('user');
        table.index(['timestamp'], 'ix_post_timestamp');
        table.index(['user_id'], 'ix_post_user_id');
        table.index(['user_id', 'timestamp'], 'ix_post_user_id_timestamp');
      }),
    );
  }

  override down(): void {
    this.addSchema(this.schema.dropTable('post'));
  }
}
