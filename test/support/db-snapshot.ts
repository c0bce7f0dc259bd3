import { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { INestApplication } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/database/schema';

/**
 * Kysely on the app's database connection, for checks and fixtures the API cannot make. Rows
 * come back as the driver stores them (SQLite timestamps as milliseconds).
 */
export function sqlOf(app: INestApplication): Kysely<Database> {
  return (app.get(MikroORM).em.fork() as SqlEntityManager).getKysely<Database>();
}

/**
 * Every row of every table, password hashes and sessions included: to prove a request changed
 * nothing.
 */
export async function snapshotDatabase(app: INestApplication): Promise<unknown> {
  const db = sqlOf(app);
  return {
    users: await db.selectFrom('user').selectAll().orderBy('id').execute(),
    posts: await db.selectFrom('post').selectAll().orderBy('id').execute(),
    sessions: await db.selectFrom('auth_session').selectAll().orderBy('id').execute(),
    refreshTokens: await db.selectFrom('refresh_token').selectAll().orderBy('id').execute(),
  };
}

/** The stored password hash of a user. */
export async function passwordHashOf(app: INestApplication, id: number): Promise<string | null> {
  const row = await sqlOf(app)
    .selectFrom('user')
    .select('password_hash')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.password_hash ?? null;
}

/** Empties every table (children first): a clean start for a test that must not depend on others. */
export async function emptyDatabase(app: INestApplication): Promise<void> {
  const db = sqlOf(app);
  await db.deleteFrom('refresh_token').execute();
  await db.deleteFrom('auth_session').execute();
  await db.deleteFrom('post').execute();
  await db.deleteFrom('user').execute();
}
