import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { finished, type Finished, PROJECT_DIR } from '../support/processes';
import { createTestDatabase, migrateToLatest, type TestDatabase } from '../support/test-database';
import { DatabaseFile } from './support/database-file';

/** Runs the MikroORM CLI as `npx mikro-orm` would, on the database `url` names. */
function mikroOrm(url: string, ...args: string[]): Promise<Finished> {
  const cli = join(PROJECT_DIR, 'node_modules', '.bin', 'mikro-orm');
  return finished(
    spawn(cli, args, { cwd: PROJECT_DIR, env: { ...process.env, DATABASE_URL: url } }),
  );
}

/** Everything in the database: schema, rows and the migration history. */
function dump(path: string) {
  const file = new DatabaseFile(path);
  const db = new Database(path, { readonly: true });
  try {
    return {
      schema: file.schema(),
      users: file.users(),
      posts: file.posts(),
      migrations: db.prepare('select name from mikro_orm_migrations order by id').all(),
      integrity: file.integrityCheck(),
    };
  } finally {
    db.close();
    file.close();
  }
}

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    const sqlite = new Database(db.url);
    sqlite.exec(`
      insert into user (username, email) values ('john', 'john@example.com'), ('susan', 'susan@example.com');
      insert into post (body, timestamp, user_id) values ('my first post!', 1764144000000, 1), ('hi', 1764144060000, 2);
    `);
    sqlite.close();
  });
  afterAll(() => db?.remove());

  it('leaves schema and data as they were when a migration fails half-way', async () => {
    const before = dump(db.url);
    const config = join(__dirname, 'fixtures', 'failing-migration.config.ts');
    const run = await mikroOrm(db.url, 'migration:up', '--config', config);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain("Processing 'Migration20261126090000_half_done'");
    expect(run.stderr).toContain('TableNotFoundException: no such table: no_such_table');
    expect(dump(db.url)).toEqual(before);
  }, 60_000);

  it('changes nothing when migration:up finds the database current', async () => {
    const before = dump(db.url);
    const file = new DatabaseFile(db.url);
    const version = file.dataVersion();
    try {
      const run = await mikroOrm(db.url, 'migration:up');
      expect(run.code).toBe(0);
      expect(file.dataVersion()).toBe(version); // no transaction committed at all
      expect(dump(db.url)).toEqual(before);
    } finally {
      file.close();
    }
  }, 60_000);
});
