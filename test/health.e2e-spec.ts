import { MikroORM } from '@mikro-orm/core';
import request from 'supertest';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

describeEachDatabase('GET /health', (kind) => {
  const ctx = useMigratedApp(kind);

  it('answers 200 when the database answers a ping', async () => {
    await request(ctx.app.getHttpServer())
      .get('/health')
      .expect(200)
      .expect({ status: 'ok', database: 'up' });
  });

  it('answers 503 while the database is unreachable, and 200 again after it returns', async () => {
    const orm = ctx.app.get(MikroORM);
    await orm.close();
    const down = await request(ctx.app.getHttpServer()).get('/health').expect(503);
    expect(down.body).toMatchObject({ statusCode: 503 });
    expect(down.body.message).toMatch(/^database unreachable/);

    await orm.connect();
    await request(ctx.app.getHttpServer()).get('/health').expect(200);
  });
});
