import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/sql';
import { SchemaMigration } from '../src/database/schema-migration';
import {
  createTestDatabase,
  describeEachDatabase,
  type DatabaseKind,
  initOrm,
  type TestDatabase,
} from './support/test-database';

class AddColumn extends SchemaMigration {
  override up(): void {
    this.addSchema(this.schema.alterTable('user').addColumn('about_me', 'varchar(140)'));
  }
}

class CreateTable extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.createTable('follow')
        .addColumn('user_id', this.types.reference, (col) => col.notNull())
        .addColumn('since', this.types.timestamp, (col) => col.notNull()),
      this.uniqueIndex('ix_follow_user_id', 'follow', ['user_id']),
    );
  }
}

/** What each dialect gets for the same migration. */
const EXPECTED: Record<DatabaseKind, { addColumn: string[]; createTable: string[] }> = {
  sqlite: {
    addColumn: ['alter table "user" add column "about_me" varchar(140)'],
    createTable: [
      'create table "follow" ("id" integer not null primary key autoincrement, "user_id" integer not null, "since" datetime not null)',
      'create unique index "ix_follow_user_id" on "follow" ("user_id")',
    ],
  },
  postgresql: {
    addColumn: ['alter table "user" add column "about_me" varchar(140)'],
    createTable: [
      'create table "follow" ("id" serial primary key, "user_id" integer not null, "since" timestamptz(3) not null)',
      'alter table "follow" add constraint "ix_follow_user_id" unique ("user_id")',
    ],
  },
  mariadb: {
    addColumn: ['alter table `user` add column `about_me` varchar(140)'],
    createTable: [
      'create table `follow` (`id` int unsigned not null primary key auto_increment, `user_id` int unsigned not null, `since` datetime(3) not null) default character set utf8mb4 collate utf8mb4_bin',
      'create unique index `ix_follow_user_id` on `follow` (`user_id`)',
    ],
  },
};

describeEachDatabase('SchemaMigration', (kind) => {
  let db: TestDatabase;
  let orm: MikroORM;
  const queriesOf = <T extends SchemaMigration>(Class: new (...args: never[]) => T) => {
    const migration = new (
      Class as unknown as new (d: AbstractSqlDriver, c: MikroORM['config']) => T
    )(orm.em.getDriver() as AbstractSqlDriver, orm.config);
    void migration.up();
    return migration.getQueries();
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    orm = await initOrm(db.url);
  });

  afterAll(async () => {
    await orm.close();
    await db.remove();
  });

  it('compiles a schema builder into the statements of the connected dialect', () => {
    expect(queriesOf(AddColumn)).toEqual(EXPECTED[kind].addColumn);
  });

  it("gives a new table the dialect's auto-increment id, key and timestamp types, and options", () => {
    expect(queriesOf(CreateTable)).toEqual(EXPECTED[kind].createTable);
  });
});
