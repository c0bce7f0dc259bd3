import { createTestDatabase, migrateToLatest, testDatabaseKinds } from '../support/test-database';
import { AppProcess, JWT_SECRET } from './support/app-process';
import { DatabaseFile } from './support/database-file';
import { HttpClient, type HttpRequest, type HttpResponse } from './support/http-client';
import { bearer } from './support/workload';

const DB_PASSWORD = 'Db-S3cret-9f2c';

/** `url` with `DB_PASSWORD` as its password. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = DB_PASSWORD;
  return parsed.toString();
}

/** What the app printed before it stopped, from `AppProcess.start`'s error. */
function startUpOutput(error: Error): string {
  return error.message.split('\n').slice(1).join('\n').trim();
}

/**
 * Goes through an account's life on a running app, keeping every secret it sends or gets: a
 * sign-up (and a second one, a 409), a failed sign-in, a sign-in by email, the account, a
 * refresh, a reused refresh token, a wrong and a right current password, a password change,
 * bad tokens, a sign-out, a sign-out everywhere, and the account's deletion. Every answer is
 * checked; the secrets are for the log checks.
 */
async function accountLife(client: HttpClient): Promise<string[]> {
  const secrets: string[] = [];
  const send = async (req: HttpRequest, status: number): Promise<HttpResponse> => {
    const res = await client.send(req);
    expect({ req: `${req.method} ${req.path}`, status: res.status }).toEqual({
      req: `${req.method} ${req.path}`,
      status,
    });
    // Only a sign-in's or a refresh's answer has tokens; none has a password or a hash.
    expect(res.text).not.toMatch(/"password\w*"\s*:|password_hash|scrypt\$|\$argon2id\$/i);
    for (const secret of secrets) {
      expect(res.text.includes(secret)).toBe(false);
    }
    return res;
  };
  const password = 'user-pass-4711-xyz';
  const newPassword = 'new-user-pass-0815-abc';
  secrets.push(password, newPassword, JWT_SECRET);
  const signUp = { username: 'secretive', email: 'Secretive@Example.com', password };
  const { id } = JSON.parse(
    (await send({ method: 'POST', path: '/users', body: signUp }, 201)).text,
  ) as { id: number };
  await send({ method: 'POST', path: '/users', body: signUp }, 409);
  const wrong = { login: 'secretive', password: 'not-the-password' };
  await send({ method: 'POST', path: '/auth/login', body: wrong }, 401);
  const signIn = async (login: string, pass: string) => {
    const res = await client.send({
      method: 'POST',
      path: '/auth/login',
      body: { login, password: pass },
    });
    expect(res.status).toBe(200);
    const tokens = JSON.parse(res.text) as { accessToken: string; refreshToken: string };
    secrets.push(tokens.accessToken, tokens.refreshToken, `Bearer ${tokens.accessToken}`);
    return tokens;
  };
  const first = await signIn('SECRETIVE@example.com', password);
  await send({ method: 'GET', path: '/users/me', headers: bearer(first.accessToken) }, 200);
  const refreshed = await client.send({
    method: 'POST',
    path: '/auth/refresh',
    body: { refreshToken: first.refreshToken },
  });
  expect(refreshed.status).toBe(200);
  const second = JSON.parse(refreshed.text) as { accessToken: string; refreshToken: string };
  secrets.push(second.accessToken, second.refreshToken);
  // The first refresh token again: a reuse, which ends the session.
  const reuse = { refreshToken: first.refreshToken };
  await send({ method: 'POST', path: '/auth/refresh', body: reuse }, 401);
  await send({ method: 'GET', path: '/users/me', headers: bearer(second.accessToken) }, 401);

  const current = await signIn('secretive', password);
  const auth = bearer(current.accessToken);
  const change = (body: object, status: number) =>
    send({ method: 'PATCH', path: `/users/${id}`, body, headers: auth }, status);
  await change({ password: newPassword }, 400);
  await change({ password: newPassword, currentPassword: 'not-the-password' }, 403);
  await change({ password: newPassword, currentPassword: password }, 200);
  await send({ method: 'POST', path: '/auth/login', body: { login: 'secretive', password } }, 401);
  const last = await signIn('secretive', newPassword);
  for (const authorization of [
    `Bearer ${current.accessToken.slice(0, -4)}`,
    `Bearer ${second.accessToken}`, // its session ended with the reuse
    current.refreshToken,
    `Basic ${Buffer.from(`secretive:${newPassword}`).toString('base64')}`,
  ]) {
    secrets.push(authorization);
    await send({ method: 'GET', path: '/users/me', headers: { authorization } }, 401);
  }
  await send(
    {
      method: 'POST',
      path: '/auth/logout',
      body: { refreshToken: current.refreshToken },
      headers: auth,
    },
    204,
  );
  await send({ method: 'POST', path: '/auth/logout-all', headers: bearer(last.accessToken) }, 204);
  const again = await signIn('secretive', newPassword);
  await send({ method: 'DELETE', path: `/users/${id}`, headers: bearer(again.accessToken) }, 204);
  return secrets;
}

describe('secrets in logs', () => {
  it.each(['postgresql', 'mariadb'])(
    'an unreachable %s server fails start-up in one line without the password',
    async (kind) => {
      const error = await AppProcess.start(`${kind}://app:${DB_PASSWORD}@127.0.0.1:1/app`).then(
        () => new Error('the app started'),
        (err: Error) => err,
      );
      const output = startUpOutput(error);
      expect(output.startsWith(`Cannot start on ${kind} at 127.0.0.1:1/app: `)).toBe(true);
      expect(output.split('\n')).toHaveLength(1);
      expect(output).not.toContain(DB_PASSWORD);
      expect(output).not.toContain(JWT_SECRET);
    },
    30_000,
  );

  it('refuses to start in production without JWT_SECRET, or with a short one, in one line that never shows it', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      await migrateToLatest(db.url);
      const short = 'too-short-jwt-secret-4711';
      for (const [secret, says] of [
        [undefined, /^Invalid environment: JWT_SECRET is required when NODE_ENV=production/],
        [short, /^Invalid environment: JWT_SECRET=<hidden>: /],
      ] as const) {
        const error = await AppProcess.start(db.url, { JWT_SECRET: secret }).then(
          () => new Error('the app started'),
          (err: Error) => err,
        );
        const output = startUpOutput(error);
        expect(output).toMatch(says);
        expect(output.split('\n')).toHaveLength(1);
        expect(output).not.toContain(short);
      }
    } finally {
      await db.remove();
    }
  }, 30_000);

  it('a running app never logs a password, a hash, a token, an Authorization header or JWT_SECRET, at the trace level', async () => {
    const db = await createTestDatabase('sqlite');
    await migrateToLatest(db.url);
    const app = await AppProcess.start(db.url, { LOG_LEVEL: 'trace' });
    const client = new HttpClient(app.port);
    try {
      const secrets = await accountLife(client);
      // A second account, signed up and left, so that there is a hash to look for.
      const kept = { username: 'kept', email: 'kept@example.com', password: 'kept-pass-1234' };
      expect((await client.send({ method: 'POST', path: '/users', body: kept })).status).toBe(201);
      const file = new DatabaseFile(db.url);
      const hashes = file.users().map((user) => user.password_hash ?? '');
      file.close();
      expect(hashes).toEqual([expect.stringMatching(/^\$argon2id\$/)]);
      expect(app.output).toContain('request completed');
      expect(app.secretLines([...secrets, ...hashes, kept.password])).toEqual([]);
    } finally {
      client.close();
      await app.stop();
      await db.remove();
    }
  }, 60_000);

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
        expect(error.message).not.toContain(JWT_SECRET);
      } finally {
        await db.remove();
      }
    }, 60_000);
  }

  if (testDatabaseKinds().includes('postgresql')) {
    it('a running app on PostgreSQL never logs the database password, user passwords, hashes or tokens', async () => {
      // The server trusts local connections, so any password is accepted: the app runs with one.
      const db = await createTestDatabase('postgresql');
      const url = withPassword(db.url);
      await migrateToLatest(url);
      const app = await AppProcess.start(url, { LOG_LEVEL: 'debug' });
      const client = new HttpClient(app.port);
      try {
        const secrets = await accountLife(client);
        expect(app.output).toContain('request completed');
        expect(app.secretLines([...secrets, DB_PASSWORD])).toEqual([]);
      } finally {
        client.close();
        await app.stop();
        await db.remove();
      }
    }, 60_000);
  }
});
