import { join } from 'node:path';
import type { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { loadEnvironment } from './src/config/environment';
import { parseDatabaseUrl, parseReplicaUrls } from './src/database/database-url';
import { driverOptions } from './src/database/drivers';
import { PROJECT_ROOT } from './src/database/project-root';
import { AuthSession } from './src/auth/entities/auth-session.entity';
import { RefreshToken } from './src/auth/entities/refresh-token.entity';
import { Post } from './src/posts/entities/post.entity';
import { User } from './src/users/entities/user.entity';

/**
 * The one ORM configuration, used by the app (through `DatabaseModule`), by the MikroORM CLI
 * (through the default export below) and by the tests.
 *
 * @param databaseUrl `DATABASE_URL`; unset means the SQLite file `app.db` in the project root.
 * @param overrides   options layered on top, e.g. a logger or `debug` in a test.
 * @param replicaUrls `DATABASE_REPLICA_URLS`: the app's read replicas (the CLI needs none).
 */
export function createOrmConfig(
  databaseUrl: string | undefined = process.env.DATABASE_URL,
  overrides: Partial<Options> = {},
  replicaUrls?: string,
): Partial<Options> {
  const target = parseDatabaseUrl(databaseUrl, PROJECT_ROOT);
  return {
    ...driverOptions(target, parseReplicaUrls(replicaUrls, target)),
    entities: [User, Post, AuthSession, RefreshToken],
    extensions: [Migrator],
    // Dates are written and read as UTC whatever the server's time zone (v7's default, kept
    // explicit because every stored timestamp depends on it).
    forceUtcTimezone: true,
    migrations: {
      path: join(PROJECT_ROOT, 'dist', 'migrations'),
      pathTs: join(PROJECT_ROOT, 'migrations'),
      glob: '!(*.d).{js,ts}',
      // No snapshot file: `migration:check` and `migration:create` compare the entities with
      // the schema the migrations actually built in the database DATABASE_URL names.
      snapshot: false,
      // Each migration runs in a transaction where DDL is transactional (SQLite, PostgreSQL);
      // MySQL/MariaDB commit every DDL statement implicitly, so a transaction would be a lie.
      transactional: target.driver === 'sqlite' || target.driver === 'postgresql',
      allOrNothing: true,
      emit: 'ts',
    },
    ...overrides,
  };
}

/** For the MikroORM CLI, which reads `.env` only for its own MIKRO_ORM_* variables. */
export default function cliConfig(): Partial<Options> {
  // The same `.env` loading and validation as the app, so a bad DATABASE_URL reads the same.
  return createOrmConfig(loadEnvironment().DATABASE_URL);
}
