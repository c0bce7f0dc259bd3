import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type { INestApplication } from '@nestjs/common';

/** knex on the app's database, for checks and fixtures the API cannot make. */
export function knexOf(app: INestApplication) {
  return (app.get(MikroORM).em.getConnection() as AbstractSqlConnection).getKnex();
}

/** Every row of both tables, password hashes included: to prove a request changed nothing. */
export async function snapshotDatabase(app: INestApplication): Promise<unknown> {
  const knex = knexOf(app);
  return {
    users: await knex('user').select('*').orderBy('id'),
    posts: await knex('post').select('*').orderBy('id'),
  };
}

/** The stored password hash of a user. */
export async function passwordHashOf(app: INestApplication, id: number): Promise<string | null> {
  const row = await knexOf(app)<{ password_hash: string | null }>('user')
    .where({ id })
    .first('password_hash');
  return row?.password_hash ?? null;
}
