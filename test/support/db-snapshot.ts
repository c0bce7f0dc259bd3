import { MikroORM } from '@mikro-orm/core';
import type { INestApplication } from '@nestjs/common';

/** Every row of both tables, password hashes included: to prove a request changed nothing. */
export async function snapshotDatabase(app: INestApplication): Promise<unknown> {
  const conn = app.get(MikroORM).em.getConnection();
  return {
    users: await conn.execute('select * from user order by id'),
    posts: await conn.execute('select * from post order by id'),
  };
}

/** Runs raw SQL on the app's database (fixtures the API cannot make, e.g. equal timestamps). */
export async function executeSql(
  app: INestApplication,
  sql: string,
  params: unknown[] = [],
): Promise<unknown> {
  return app.get(MikroORM).em.getConnection().execute(sql, params);
}
