import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Configuration, MikroORM, type Options } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import {
  DatabaseSchema,
  type AbstractSqlConnection,
  type AbstractSqlDriver,
  type AbstractSqlPlatform,
  type SqlEntityManager,
} from '@mikro-orm/sql';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, type Kysely } from 'kysely';
import { Migration20261126080000_users_table } from '../../../migrations/Migration20261126080000_users_table';
import { Migration20261126080100_posts_table } from '../../../migrations/Migration20261126080100_posts_table';
import { createOrmConfig } from '../../../mikro-orm.config';
import { describeTarget, parseDatabaseUrl, type DatabaseTarget } from '../../database/database-url';
import { PROJECT_ROOT } from '../../database/project-root';
import {
  describeProblem,
  findRowProblems,
  parseSqlAlchemyTimestamp,
  type TutorialDatabase,
} from './tutorial-data';
import {
  ALEMBIC_TABLE,
  compareWithTutorial,
  MIKRO_ORM_TABLE,
  type SchemaFindings,
} from './tutorial-schema';

/** The project's migrations that the tutorial's two stand for: recorded as applied. */
export const TUTORIAL_MIGRATIONS = [
  Migration20261126080000_users_table,
  Migration20261126080100_posts_table,
] as const;

/** Rows copied per statement while rebuilding SQLite's tables. */
const COPY_BATCH = 500;

/** What `inspect()` found, and what adopting would do. */
export interface AdoptionReport {
  target: string;
  /** `adopted`: nothing to do; `refused`: `problems` say why; `ready`: `steps` would run. */
  state: 'adopted' | 'refused' | 'ready';
  problems: string[];
  /** Later chapters' tables and nullable columns: left as they are. */
  leftAlone: string[];
  alembicRevision?: string;
  users: number;
  posts: number;
  /** Emails that will be stored in lower case, as this project stores them. */
  emailsLowered: number;
  /** Timestamps with digits past the millisecond, which this project rounds away. */
  subMillisecondTimestamps: number;
  /** The project's migrations that will run after the takeover. */
  remainingMigrations: string[];
  steps: string[];
}

/** What `execute()` did. */
export interface AdoptionResult {
  /** The copy of the SQLite file made before anything changed. */
  backup?: string;
  applied: string[];
}

const quiet = { logger: () => undefined } satisfies Partial<Options>;

/**
 * Takes over a database made by the Flask Mega-Tutorial's database chapter (Flask-SQLAlchemy and
 * Flask-Migrate): recognizes its schema by shape, refuses what this project could not take, and
 * otherwise converts it to this project's schema and records the project's first two
 * migrations as applied, then runs the others. See `npm run adopt` in the README.
 */
export class Adoption {
  private readonly target: DatabaseTarget;

  constructor(private readonly url: string | undefined) {
    this.target = parseDatabaseUrl(url, PROJECT_ROOT);
  }

  /** Reads the database (read-only on SQLite: the file stays byte for byte) and plans. */
  async inspect(): Promise<AdoptionReport> {
    const report: AdoptionReport = {
      target: describeTarget(this.target),
      state: 'refused',
      problems: [],
      leftAlone: [],
      users: 0,
      posts: 0,
      emailsLowered: 0,
      subMillisecondTimestamps: 0,
      remainingMigrations: projectMigrations()
        .slice(TUTORIAL_MIGRATIONS.length)
        .map((migration) => migration.name),
      steps: [],
    };
    const refusal = this.unsupported();
    if (refusal) {
      report.problems.push(refusal);
      return report;
    }
    const orm = await this.openOrm({ readOnly: true });
    try {
      await this.inspectWith(orm, report);
    } finally {
      await orm.close();
    }
    return report;
  }

  /** Adopts a database that `inspect()` found `ready`; throws, changing nothing, on failure. */
  async execute(report: AdoptionReport): Promise<AdoptionResult> {
    if (report.state !== 'ready') {
      throw new Error(`nothing to adopt: the database is ${report.state}`);
    }
    const result: AdoptionResult = { applied: [] };
    if (this.target.driver === 'sqlite') {
      result.backup = this.backupSqlite();
    }
    const orm = await this.openOrm({ readOnly: false });
    try {
      const findings = compareWithTutorial(await readTables(orm));
      result.applied =
        this.target.driver === 'sqlite'
          ? await this.rebuildSqlite(orm, findings)
          : await this.alterPostgres(orm, findings);
    } finally {
      await orm.close();
    }
    return result;
  }

  private unsupported(): string | undefined {
    if (this.target.driver === 'mysql' || this.target.driver === 'mariadb') {
      return (
        'MySQL and MariaDB are not supported: their DDL commits statement by statement, so a ' +
        'takeover that failed half-way could not be undone (see the README)'
      );
    }
    if (this.target.driver === 'sqlite') {
      const file = this.target.dbName;
      if (file === ':memory:' || !existsSync(file)) {
        return `there is no database file at ${file}`;
      }
      if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) {
        return `${basename(file)} has an unfinished write-ahead log: stop the app that uses it first`;
      }
    }
    return undefined;
  }

  private async inspectWith(orm: MikroORM, report: AdoptionReport): Promise<void> {
    const tables = await readTables(orm);
    const names = new Set(tables.map((table) => table.name));
    const db = kyselyOf(orm);
    // DatabaseSchema leaves MikroORM's own table out: asked for by name.
    const connection = orm.em.getConnection() as AbstractSqlConnection;
    const helper = (orm.em.getPlatform() as AbstractSqlPlatform).getSchemaHelper()!;
    if (await helper.tableExists(connection, MIKRO_ORM_TABLE, undefined)) {
      const executed = (
        await db
          .withTables<{ [MIKRO_ORM_TABLE]: { name: string } }>()
          .selectFrom(MIKRO_ORM_TABLE)
          .select('name')
          .execute()
      ).map((row) => row.name);
      if (executed.includes(TUTORIAL_MIGRATIONS[0].name)) {
        report.state = 'adopted';
        return;
      }
      report.problems.push(`${MIKRO_ORM_TABLE} exists, but without this project's history`);
      return;
    }
    const findings = compareWithTutorial(tables);
    report.problems.push(...findings.problems);
    if (this.target.driver === 'sqlite') {
      // SQLite rebuilds user and post from this project's migrations: a foreign key only the
      // old table had would be lost (PostgreSQL alters in place and keeps it).
      report.problems.push(
        ...findings.extraForeignKeys.map(
          ({ table, name }) =>
            `foreign key ${name} on ${table} is not the tutorial's, and SQLite's rebuild of ` +
            `${table} would lose it`,
        ),
        ...findings.extraIndexes
          .filter(({ name }) => name.startsWith('sqlite_autoindex_'))
          .map(
            ({ table, columns }) =>
              `${table}.${columns.join(', ')} is UNIQUE inside the table's definition, which ` +
              `SQLite's rebuild of ${table} would lose`,
          ),
      );
    }
    // A table of the tutorial's user named like one this project's later migrations create.
    const ours = new Set(
      [...orm.getMetadata().getAll().values()].map((meta) => meta.tableName).filter(Boolean),
    );
    report.problems.push(
      ...findings.extraTables
        .filter((table) => ours.has(table))
        .map((table) => `table ${table} has the name of one of this project's tables`),
    );
    report.leftAlone = [
      ...findings.extraTables.filter((table) => !ours.has(table)).map((table) => `table ${table}`),
      ...findings.extraColumns.map((c) => `column ${c.table}.${c.name} (${c.type.toLowerCase()})`),
      ...findings.extraIndexes.map((index) => `index ${index.name} on ${index.table}`),
    ];
    if (report.problems.length > 0) {
      return;
    }
    const textTimestamps = this.target.driver === 'sqlite';
    report.problems.push(...(await findRowProblems(db, textTimestamps)).map(describeProblem));
    if (names.has(ALEMBIC_TABLE)) {
      const row = await db
        .withTables<{ [ALEMBIC_TABLE]: { version_num: string } }>()
        .selectFrom(ALEMBIC_TABLE)
        .select('version_num')
        .executeTakeFirst();
      report.alembicRevision = row?.version_num;
    }
    const users = await db.selectFrom('user').select(['id', 'email']).execute();
    const posts = await db.selectFrom('post').select('timestamp').execute();
    report.users = users.length;
    report.posts = posts.length;
    report.emailsLowered = users.filter((u) => u.email && u.email !== u.email.toLowerCase()).length;
    report.subMillisecondTimestamps = posts.filter(({ timestamp }) =>
      hasSubMilliseconds(timestamp),
    ).length;
    if (report.problems.length === 0) {
      report.state = 'ready';
      report.steps = this.steps(report);
    }
  }

  private steps(report: AdoptionReport): string[] {
    const sqlite = this.target.driver === 'sqlite';
    const steps: string[] = [];
    if (sqlite) {
      steps.push(`copy the file to ${basename(this.backupPath())} next to it`);
    }
    steps.push(
      (sqlite
        ? "in one transaction, rebuild user and post as this project's migrations define them"
        : "in one transaction, alter user and post to this project's schema") +
        ': NOT NULL on username, email, body, timestamp and user_id; indexes ix_post_user_id and ' +
        'ix_post_user_id_timestamp; the foreign key named post_user_id_foreign' +
        (sqlite ? '' : '; unique constraints ix_user_username and ix_user_email'),
      `store ${report.emailsLowered} email(s) in lower case`,
      sqlite
        ? `convert the ${report.posts} timestamps from SQLAlchemy's text (UTC) to milliseconds` +
            `, rounding ${report.subMillisecondTimestamps} with microseconds to the millisecond`
        : `convert the timestamps from timestamp without time zone (UTC) to timestamptz(3)` +
            `, rounding ${report.subMillisecondTimestamps} with microseconds to the millisecond`,
      `drop ${ALEMBIC_TABLE}${report.alembicRevision ? ` (revision ${report.alembicRevision})` : ''}` +
        ": this project's migration history replaces it",
      `record ${TUTORIAL_MIGRATIONS.map((m) => m.name).join(' and ')} as applied`,
    );
    if (report.leftAlone.length > 0) {
      steps.push(`leave alone: ${report.leftAlone.join(', ')}`);
    }
    steps.push(
      report.remainingMigrations.length > 0
        ? `then run the remaining migrations: ${report.remainingMigrations.join(', ')}`
        : 'then there is no other migration to run',
    );
    return steps;
  }

  /**
   * SQLite cannot add NOT NULL to a column in place: the tables are rebuilt, as SQLite's own
   * `ALTER TABLE` documentation does it, in one transaction with foreign keys off and checked
   * before the commit. The new tables come from this project's first two migrations, so the
   * result is what `migration:up` builds; the later chapters' columns are carried over.
   */
  private async rebuildSqlite(orm: MikroORM, findings: SchemaFindings): Promise<string[]> {
    const em = orm.em.fork() as SqlEntityManager;
    // Outside a transaction, as SQLite wants them. legacy_alter_table keeps the tables that
    // refer to `user` (later chapters' `followers`) pointing at the name, i.e. the new table.
    await em.execute('pragma foreign_keys = off');
    await em.execute('pragma legacy_alter_table = on');
    try {
      return await em.transactional(async (tx) => {
        // The later chapters' indexes, as written, to make again on the new tables.
        const extraIndexes = findings.extraIndexes.map((index) => index.name);
        const recreate =
          extraIndexes.length === 0
            ? []
            : await tx
                .getKysely<{ sqlite_master: { type: string; name: string; sql: string | null } }>()
                .selectFrom('sqlite_master')
                .select('sql')
                .where('type', '=', 'index')
                .where('name', 'in', extraIndexes)
                .where('sql', 'is not', null)
                .execute();
        for (const index of [
          'ix_user_username',
          'ix_user_email',
          'ix_post_timestamp',
          ...extraIndexes,
        ]) {
          await tx.execute(`drop index "${index}"`);
        }
        await tx.execute('alter table "post" rename to "_tutorial_post"');
        await tx.execute('alter table "user" rename to "_tutorial_user"');
        for (const migration of TUTORIAL_MIGRATIONS) {
          await runMigration(tx, migration);
        }
        for (const { table, name, type } of findings.extraColumns) {
          await tx.execute(`alter table "${table}" add column "${name}" ${type}`);
        }
        const db = tx.getKysely<Record<string, Record<string, unknown>>>();
        await copyRows(db, '_tutorial_user', 'user', (row) => ({
          ...row,
          email: String(row.email).toLowerCase(),
        }));
        await copyRows(db, '_tutorial_post', 'post', (row) => ({
          ...row,
          timestamp: parseSqlAlchemyTimestamp(String(row.timestamp)),
        }));
        for (const { sql } of recreate) {
          await tx.execute(sql!);
        }
        await tx.execute('drop table "_tutorial_post"');
        await tx.execute('drop table "_tutorial_user"');
        await tx.execute(`drop table if exists "${ALEMBIC_TABLE}"`);
        const broken = await tx.execute('pragma foreign_key_check');
        if (broken.length > 0) {
          throw new Error(`foreign keys would break: ${JSON.stringify(broken.slice(0, 5))}`);
        }
        return this.takeOverHistory(orm, tx);
      });
    } finally {
      await em.execute('pragma legacy_alter_table = off');
      await em.execute('pragma foreign_keys = on');
    }
  }

  /** PostgreSQL alters its tables in place, inside one transaction (its DDL is transactional). */
  private async alterPostgres(orm: MikroORM, findings: SchemaFindings): Promise<string[]> {
    return (orm.em.fork() as SqlEntityManager).transactional(async (tx) => {
      const db = tx.getKysely<TutorialDatabase>();
      for (const { id, email } of await db.selectFrom('user').select(['id', 'email']).execute()) {
        if (email && email !== email.toLowerCase()) {
          await db
            .updateTable('user')
            .set({ email: email.toLowerCase() })
            .where('id', '=', id)
            .execute();
        }
      }
      for (const statement of [
        'alter table "user" alter column "username" set not null, alter column "email" set not null',
        'drop index "ix_user_username"',
        'drop index "ix_user_email"',
        'alter table "user" add constraint "ix_user_username" unique ("username")',
        'alter table "user" add constraint "ix_user_email" unique ("email")',
        `alter table "post" alter column "body" set not null, alter column "user_id" set not null, ` +
          `alter column "timestamp" type timestamptz(3) using "timestamp" at time zone 'UTC', ` +
          `alter column "timestamp" set not null`,
        ...(findings.postForeignKey && findings.postForeignKey !== 'post_user_id_foreign'
          ? [
              `alter table "post" rename constraint "${findings.postForeignKey}" to "post_user_id_foreign"`,
            ]
          : []),
        'create index "ix_post_user_id" on "post" ("user_id")',
        'create index "ix_post_user_id_timestamp" on "post" ("user_id", "timestamp")',
        `drop table if exists "${ALEMBIC_TABLE}"`,
      ]) {
        await tx.execute(statement);
      }
      return this.takeOverHistory(orm, tx);
    });
  }

  /**
   * In `tx`'s transaction: records the project's first two migrations as applied, then runs the
   * others, so that a migration that fails undoes the whole takeover. Returns the ones it ran.
   * (Not through `migrator.up()`: before joining the transaction it checks the database on
   * another query, which on SQLite waits forever for the connection the transaction holds.)
   */
  private async takeOverHistory(orm: MikroORM, tx: SqlEntityManager): Promise<string[]> {
    const storage = orm.migrator.getStorage();
    storage.setMasterMigration(tx.getTransactionContext());
    try {
      for (const migration of TUTORIAL_MIGRATIONS) {
        // The first creates mikro_orm_migrations, in the same transaction.
        await storage.logMigration({ name: migration.name });
      }
      const remaining = projectMigrations().slice(TUTORIAL_MIGRATIONS.length);
      for (const { name, class: migration } of remaining) {
        await runMigration(tx, migration);
        await storage.logMigration({ name });
      }
      return remaining.map((migration) => migration.name);
    } finally {
      storage.unsetMasterMigration();
    }
  }

  private async openOrm({ readOnly }: { readOnly: boolean }): Promise<MikroORM> {
    const overrides: Partial<Options> = { ...quiet, ensureDatabase: false };
    if (this.target.driver === 'sqlite') {
      // None of the app's connection settings: WAL mode would rewrite the file's header, and
      // a takeover that fails must leave the file as it was, byte for byte. Read-only for the
      // inspection, unless the file is in WAL mode already (this project's own): a read-only
      // connection would leave its -wal and -shm files behind, which a writer removes.
      const file = this.target.dbName;
      const readonly = readOnly && !isInWalMode(file);
      overrides.driverOptions = new SqliteDialect({
        database: () => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const Database = require('better-sqlite3') as typeof BetterSqlite3;
          return Promise.resolve(new Database(file, { readonly, fileMustExist: true }));
        },
      });
    }
    const orm = await MikroORM.init(createOrmConfig(this.url, overrides));
    await orm.connect();
    return orm;
  }

  private backupSqlite(): string {
    const path = this.backupPath();
    copyFileSync(this.target.dbName, path);
    return path;
  }

  private backupPathCache?: string;

  /** `app.db.before-adopt-20261202T080000Z`, next to the file. */
  private backupPath(): string {
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    this.backupPathCache ??= join(
      dirname(this.target.dbName),
      `${basename(this.target.dbName)}.before-adopt-${stamp}`,
    );
    return this.backupPathCache;
  }
}

type MigrationClass = new (driver: AbstractSqlDriver, config: Configuration) => Migration;

/** Runs one migration's `up()` in `tx`'s transaction, as the migrator would. */
async function runMigration(tx: SqlEntityManager, Migration: MigrationClass): Promise<void> {
  const migration = new Migration(tx.getDriver(), tx.config);
  migration.setTransactionContext(tx.getTransactionContext());
  await migration.up();
  for (const statement of migration.getQueries()) {
    await tx.execute(statement);
  }
}

/**
 * The project's migrations, in order, as the CLI finds them in `migrations/`; required, not
 * imported, so that their TypeScript loads the way the rest of the command's does.
 */
function projectMigrations(): { name: string; class: MigrationClass }[] {
  const folder = join(PROJECT_ROOT, 'migrations');
  return readdirSync(folder)
    .filter((file) => /^Migration\d+_\w+\.ts$/.test(file))
    .sort()
    .map((file) => {
      const name = file.replace(/\.ts$/, '');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exports = require(join(folder, file)) as Record<string, MigrationClass>;
      return { name, class: exports[name] };
    });
}

/** Whether a SQLite file's header says WAL mode (bytes 18 and 19, the format versions, are 2). */
function isInWalMode(file: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return header[18] === 2 && header[19] === 2;
}

async function readTables(orm: MikroORM) {
  const schema = await DatabaseSchema.create(
    orm.em.getConnection() as AbstractSqlConnection,
    orm.em.getPlatform() as AbstractSqlPlatform,
    orm.config,
  );
  return schema.getTables();
}

function kyselyOf(orm: MikroORM): Kysely<TutorialDatabase> {
  return (orm.em.fork() as SqlEntityManager).getKysely<TutorialDatabase>();
}

function hasSubMilliseconds(timestamp: string | Date | null): boolean {
  if (typeof timestamp === 'string') {
    const fraction = /\.(\d+)$/.exec(timestamp)?.[1] ?? '';
    return /[1-9]/.test(fraction.slice(3));
  }
  return false; // a Date from PostgreSQL: see the microseconds query in alterPostgres
}

/** Copies every row of `from` into `to` in batches, through `convert`. */
async function copyRows(
  db: Kysely<Record<string, Record<string, unknown>>>,
  from: string,
  to: string,
  convert: (row: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom(from)
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(COPY_BATCH)
      .execute();
    if (rows.length === 0) {
      return;
    }
    await db.insertInto(to).values(rows.map(convert)).execute();
    after = Number(rows[rows.length - 1].id);
  }
}
