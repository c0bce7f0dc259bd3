import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { APP_OPTIONS, configureApp, createOpenApiDocument } from '../app.setup';
import { loadEnvironment } from '../config/environment';

/**
 * `npm run openapi [-- <file>]`: writes the OpenAPI document (the one `/docs-json` serves) to
 * `<file>`, or to stdout without one, with no server listening and no real database: the app's
 * modules are built on an in-memory SQLite database (nothing is queried; the document only needs
 * the controllers and DTOs) and closed again. `npm run lint:openapi` lints the result.
 */
async function main(): Promise<void> {
  // Whatever `.env` says: these win over it (variables already set in the process are kept).
  process.env.DATABASE_URL = 'sqlite::memory:';
  process.env.LOG_LEVEL = 'silent';
  loadEnvironment();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AppModule } = require('../app.module') as typeof import('../app.module');
  const app = await NestFactory.create(AppModule, { ...APP_OPTIONS, logger: false });
  try {
    configureApp(app);
    const json = `${JSON.stringify(createOpenApiDocument(app), null, 2)}\n`;
    const file = process.argv[2];
    if (file) {
      const path = resolve(file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, json);
    } else {
      process.stdout.write(json);
    }
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
