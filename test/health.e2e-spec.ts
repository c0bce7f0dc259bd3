import { MikroORM } from '@mikro-orm/core';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createTestApp } from './support/test-app';
import {
  createTestDatabase,
  describeEachDatabase,
  migrateToLatest,
  type TestDatabase,
} from './support/test-database';

describeEachDatabase('GET /health', (kind) => {
  let db: TestDatabase;
  let app: INestApplication<App>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrateToLatest(db.url);
    app = await createTestApp(db.url);
  });

  afterAll(async () => {
    await app.close();
    await db.remove();
  });

  it('answers 200 when the database answers a ping', async () => {
    await request(app.getHttpServer())
      .get('/health')
      .expect(200)
      .expect({ status: 'ok', database: 'up' });
  });

  it('answers 503 while the database is unreachable, and 200 again after it returns', async () => {
    const orm = app.get(MikroORM);
    await orm.close();
    const down = await request(app.getHttpServer()).get('/health').expect(503);
    expect(down.body).toMatchObject({ statusCode: 503 });
    expect(down.body.message).toMatch(/^database unreachable/);

    await orm.connect();
    await request(app.getHttpServer()).get('/health').expect(200);
  });
});
