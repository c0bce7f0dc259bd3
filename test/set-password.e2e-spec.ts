import { bearer, createUser, signIn, uniqueName } from './support/api';
import { snapshotDatabase } from './support/db-snapshot';
import { finished, spawnTs } from './support/processes';
import { useMigratedApp } from './support/test-app';

/** `npm run set-password -- <login> [--generate]`, with `input` on standard input. */
function setPassword(url: string, args: string[], input?: string) {
  const child = spawnTs('src/console/set-password.ts', args, { DATABASE_URL: url });
  child.stdin.end(input);
  return finished(child);
}

/** The administrator's account recovery: `npm run set-password`. */
describe('set-password (console)', () => {
  const ctx = useMigratedApp('sqlite');

  it('generates a password, prints it once, and ends every session of the user', async () => {
    const user = await createUser(ctx.app, uniqueName('forgot'));
    const run = await setPassword(ctx.db.url, [user.username, '--generate']);
    expect(run.code).toBe(0);
    const password = /shown once\): (\S+)/.exec(run.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(run.stdout).toContain('Every session of the user has ended.');
    await ctx.http().get('/users/me').set(user.auth).expect(401);
    await ctx.http().post('/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    await ctx
      .http()
      .post('/auth/login')
      .send({ login: user.username, password: user.password })
      .expect(401);
    const tokens = await signIn(ctx.app, user.email, password);
    await ctx.http().get('/users/me').set(bearer(tokens.accessToken)).expect(200);
  }, 60_000);

  it('reads the new password from a pipe, and never prints it', async () => {
    const user = await createUser(ctx.app, uniqueName('piped'));
    const run = await setPassword(ctx.db.url, [user.email], 'a new password from stdin\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Password set for ${user.username}.`);
    expect(run.stdout + run.stderr).not.toContain('a new password from stdin');
    await signIn(ctx.app, user.username, 'a new password from stdin');
  }, 60_000);

  it('refuses an unknown user and a too-short password, changing nothing', async () => {
    const user = await createUser(ctx.app, uniqueName('kept'));
    const before = await snapshotDatabase(ctx.app);
    const unknown = await setPassword(ctx.db.url, [uniqueName('nobody')], 'long enough password\n');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^No user "nobody\d+": give a username or an email address\.$/m);
    const short = await setPassword(ctx.db.url, [user.username], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/8 to 256 characters; nothing changed/);
    await expect(snapshotDatabase(ctx.app)).resolves.toEqual(before);
  }, 60_000);
});
