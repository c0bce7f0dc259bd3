import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config/environment';

/**
 * The real app (same modules, same `configureApp()` as `main.ts`) on the database `url` names,
 * listening on a free port so that supertest can send concurrent requests to one server. The
 * configuration goes through the real validation, with `DATABASE_URL` set to `url`.
 */
export async function createTestApp(url: string): Promise<INestApplication> {
  const config = new ConfigService(validateEnvironment({ ...process.env, DATABASE_URL: url }));
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(ConfigService)
    .useValue(config)
    .compile();
  const app = configureApp(moduleRef.createNestApplication({ ...APP_OPTIONS, logger: false }));
  await app.listen(0, '127.0.0.1');
  return app;
}
