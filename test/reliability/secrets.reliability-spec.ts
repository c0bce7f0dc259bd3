import { createTestDatabase, migrateToLatest, testDatabaseKinds } from '../support/test-database';
import { AppProcess } from './support/app-process';
import { HttpClient } from './support/http-client';

const DB_PASSWORD = 'Db-S3cret-9f2c';

/** `url` with `DB_PASSWORD` as its password. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = DB_PASSWORD;
  return parsed.toString();
}

describe('secrets in logs', () => {
  it.each(['postgresql', 'mariadb'])(
    'an unreachable %s server fails start-up in one line without the password',
    async (kind) => {
      const error = await AppProcess.start(`${kind}://app:${DB_PASSWORD}@127.0.0.1:1/app`).then(
        () => new Error('the app started'),
        (err: Error) => err,
      );
      const output = error.message.split('\n').slice(1).join('\n').trim();
      expect(output.startsWith(`Cannot start on ${kind} at 127.0.0.1:1/app: `)).toBe(true);
      expect(output.split('\n')).toHaveLength(1);
      expect(output).not.toContain(DB_PASSWORD);
    },
    30_000,
  );

  if (testDatabaseKinds().includes('mariadb')) {
    it('a refused MariaDB login names the server, not the password', async () => {
      const db = await createTestDatabase('mariadb');
      try {
        const error = await AppProcess.start(withPassword(db.url)).then(
          () => new Error('the app started'),
          (err: Error) => err,
        );
        expect(error.message).toMatch(/Cannot start on mariadb at .*Access denied/);
        expect(error.message).not.toContain(DB_PASSWORD);
      } finally {
        await db.remove();
      }
    }, 60_000);
  }

  if (testDatabaseKinds().includes('postgresql')) {
    it('a running app on PostgreSQL never logs the database password or user passwords', async () => {
      // The server trusts local connections, so any password is accepted: the app runs with one.
      const db = await createTestDatabase('postgresql');
      const url = withPassword(db.url);
      await migrateToLatest(url);
      const app = await AppProcess.start(url, { LOG_LEVEL: 'debug' });
      const client = new HttpClient(app.port);
      try {
        const password = 'user-pass-4711-xyz';
        const created = await client.send({
          method: 'POST',
          path: '/users',
          body: { username: 'secretive', email: 'secretive@example.com', password },
        });
        expect(created.status).toBe(201);
        const again = await client.send({
          method: 'POST',
          path: '/users',
          body: { username: 'secretive', email: 'secretive@example.com', password },
        });
        expect(again.status).toBe(409);
        for (const res of [created, again]) {
          expect(res.text).not.toMatch(/password|scrypt\$/i);
        }
        expect(app.output).toContain('request completed');
        expect(app.output).not.toContain(password);
        expect(app.output).not.toContain(DB_PASSWORD);
        expect(app.output).not.toMatch(/scrypt\$/);
      } finally {
        client.close();
        await app.stop();
        await db.remove();
      }
    }, 60_000);
  }
});
