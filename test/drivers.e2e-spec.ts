import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TS_NODE_ARGS } from './support/processes';
import { createTestDatabase, testDatabaseKinds } from './support/test-database';

const run = promisify(execFile);

/** The database client libraries a fresh process has loaded after connecting to `url`. */
async function clientsLoadedAfterConnecting(url: string): Promise<string[]> {
  const script = `
    const { MikroORM } = require('@mikro-orm/core');
    const { createOrmConfig } = require('./mikro-orm.config');
    MikroORM.init(createOrmConfig(process.argv[1], { logger: () => {} })).then(async (orm) => {
      await orm.connect();
      const check = await orm.checkConnection();
      await orm.close();
      if (!check.ok) throw new Error(check.reason);
      const loaded = Object.keys(require.cache)
        .map((f) => /node_modules\\/(better-sqlite3|pg|mysql2|mariadb)\\//.exec(f)?.[1])
        .filter(Boolean);
      console.log(JSON.stringify([...new Set(loaded)].sort()));
    });`;
  const { stdout } = await run(process.execPath, [...TS_NODE_ARGS, '-e', script, url], {
    cwd: `${__dirname}/..`,
  });
  return JSON.parse(stdout) as string[];
}

/** Only the client library for DATABASE_URL's scheme is loaded: SQLite never needs pg or mysql2. */
describe('driver loading', () => {
  const kinds = testDatabaseKinds();

  it('SQLite loads better-sqlite3 only', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      await expect(clientsLoadedAfterConnecting(db.url)).resolves.toEqual(['better-sqlite3']);
    } finally {
      await db.remove();
    }
  }, 30_000);

  if (kinds.includes('postgresql')) {
    it('postgresql:// loads pg only', async () => {
      await expect(clientsLoadedAfterConnecting(process.env.TEST_POSTGRES_URL!)).resolves.toEqual([
        'pg',
      ]);
    }, 30_000);
  }

  if (kinds.includes('mariadb')) {
    it('mariadb:// and mysql:// load mysql2 only (MikroORM 7 drives MariaDB through it)', async () => {
      const url = new URL(process.env.TEST_MYSQL_URL!);
      url.protocol = 'mariadb:';
      await expect(clientsLoadedAfterConnecting(url.toString())).resolves.toEqual(['mysql2']);
      url.protocol = 'mysql:';
      await expect(clientsLoadedAfterConnecting(url.toString())).resolves.toEqual(['mysql2']);
    }, 30_000);
  }
});
