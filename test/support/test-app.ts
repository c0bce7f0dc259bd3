import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';

/**
 * The real app (same modules, same `configureApp()` as `main.ts`) on the database `url` names.
 * `DATABASE_URL` is set before the app module loads, since its ConfigModule reads the
 * environment then; jest gives every test file its own module registry.
 */
export async function createTestApp(url: string): Promise<INestApplication> {
  process.env.DATABASE_URL = url;
  const { AppModule } = await import('../../src/app.module');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = configureApp(moduleRef.createNestApplication({ ...APP_OPTIONS, logger: false }));
  // Listening (on a free port) lets supertest send concurrent requests to one server.
  await app.listen(0, '127.0.0.1');
  return app;
}
