import request from 'supertest';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

describeEachDatabase('GET /health', (kind) => {
  const ctx = useMigratedApp(kind);

  it('answers 200 when the database answers a ping', async () => {
    await request(ctx.app.getHttpServer())
      .get('/health')
      .expect(200)
      .expect({ status: 'ok', database: 'up' });
  });

  if (kind !== 'sqlite') {
    it('answers 503 while the database server is unreachable, and 200 once it is back', async () => {
      const server = new URL(ctx.db.url);
      const proxy = await TcpProxy.start(server.hostname, Number(server.port));
      const app = await createTestApp(proxy.through(ctx.db.url));
      try {
        const http = () => request(app.getHttpServer()).get('/health');
        await http().expect(200);

        await proxy.cut();
        const down = await http().expect(503);
        expect(down.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'database unreachable',
        });

        await proxy.restore();
        await http().expect(200);
      } finally {
        await app.close();
        await proxy.close();
      }
    });
  }
});
