import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { createOrmConfig } from '../../mikro-orm.config';

/** A SQLite file of its own in a fresh temp folder, removed with `remove()`. */
export interface TestDatabase {
  url: string;
  remove(): void;
}

export function createTestDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'microblog-test-'));
  return {
    url: join(dir, 'test.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An ORM on `url` with the project's configuration, quiet unless a logger is given. */
export function initOrm(url: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(createOrmConfig(url, { logger: () => undefined, ...overrides }));
}

/** Applies the real migrations in `migrations/` (never the schema generator). */
export async function migrateToLatest(url: string): Promise<void> {
  const orm = await initOrm(url);
  try {
    await orm.getMigrator().up();
  } finally {
    await orm.close();
  }
}
