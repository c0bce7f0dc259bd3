import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { SchemaMigration } from '../src/database/schema-migration';
import {
  createTestDatabase,
  initOrm,
  migrateToLatest,
  type TestDatabase,
} from './support/test-database';

class AddColumn extends SchemaMigration {
  override up(): void {
    this.addSchema(this.schema.alterTable('user', (t) => t.string('about_me', 140).nullable()));
  }
}

class DropColumn extends SchemaMigration {
  override up(): void {
    this.addSchema(this.schema.alterTable('user', (t) => t.dropColumn('about_me')));
  }
}

describe('SchemaMigration on SQLite', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const migration = <T extends SchemaMigration>(Class: new (...args: never[]) => T) =>
    new (Class as unknown as new (d: AbstractSqlDriver, c: MikroORM['config']) => T)(
      orm.em.getDriver() as AbstractSqlDriver,
      orm.config,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateToLatest(db.url);
    orm = await initOrm(db.url);
  });

  afterAll(async () => {
    await orm.close();
    await db.remove();
  });

  it('turns a builder into the statements of the connected dialect', () => {
    const add = migration(AddColumn);
    add.up();
    expect(add.getQueries()).toEqual([
      'alter table `user` add column `about_me` varchar(140) null',
    ]);
  });

  it('refuses a change SQLite can only make by rebuilding the table, instead of dropping it', () => {
    const drop = migration(DropColumn);
    expect(() => drop.up()).toThrow(/needs a table rebuild on better-sqlite3/);
  });
});
