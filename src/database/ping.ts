import type { MikroORM } from '@mikro-orm/core';

export type PingResult = { ok: true } | { ok: false; reason: string };

/**
 * Whether the database answers `select 1`. MikroORM 7 connects lazily, so this opens the
 * connection first when nothing has yet: the start-up check and `/health` both mean "can the
 * app reach its database now", not "has it reached it before".
 */
export async function pingDatabase(orm: MikroORM): Promise<PingResult> {
  const connection = orm.em.getConnection();
  try {
    await connection.ensureConnection();
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const check = await connection.checkConnection();
  return check.ok ? { ok: true } : { ok: false, reason: check.reason };
}
