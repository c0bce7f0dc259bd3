import { inspect } from 'node:util';
import { MikroORM } from '@mikro-orm/core';
import { createShellContext } from '../src/console/shell/shell-context';
import { PostsService } from '../src/posts/posts.service';
import { UsersService } from '../src/users/users.service';
import { emptyDatabase } from './support/db-snapshot';
import { spawnTs, waitForOutput } from './support/processes';
import { useMigratedApp } from './support/test-app';

describe('shell', () => {
  // The app gives the context test its shell; the REPL process runs on the same database.
  const ctx = useMigratedApp();

  describe('context', () => {
    it('offers the tutorial shell names, with its own EntityManager', async () => {
      const app = ctx.app;
      const context = createShellContext(app);
      expect(Object.keys(context).sort()).toEqual(
        ['Post', 'User', 'em', 'orm', 'postsService', 'usersService'].sort(),
      );
      const orm = app.get(MikroORM);
      expect(context.orm).toBe(orm);
      expect(context.em).not.toBe(orm.em);
      expect(context.em.id).not.toBe(orm.em.id);
      expect(context.usersService).toBe(app.get(UsersService));
      expect(context.postsService).toBe(app.get(PostsService));

      const user = context.em.create(context.User, { username: 'ctx', email: 'ctx@example.com' });
      await context.em.flush();
      expect(inspect(user)).toBe('<User ctx>');
      const post = context.em.create(context.Post, { body: 'from the shell', author: user });
      await context.em.flush();
      expect(inspect(await context.em.find(context.Post, { author: user }))).toBe(
        '[ <Post from the shell> ]',
      );
      // The global EntityManager refuses context work: everything above went through the fork.
      expect(() => orm.em.getUnitOfWork()).toThrow(/global EntityManager/);
      context.em.remove(post).remove(user);
      await context.em.flush();
    });
  });

  it('runs the tutorial session typed into the REPL process', async () => {
    // The session lists every user: it starts from empty tables.
    await emptyDatabase(ctx.app);
    const shell = spawnTs('src/console/shell.ts', [], { DATABASE_URL: ctx.db.url });
    const exited = new Promise<number | null>((resolve) => shell.on('close', resolve));
    try {
      await session();
    } finally {
      shell.stdin.end('.exit\n');
      const timer = setTimeout(() => shell.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await expect(exited).resolves.toBe(0);

    async function session(): Promise<void> {
      const prompt = /> $/;
      let banner = await waitForOutput(shell.stdout, /names: .*\n> $/, 60_000);
      // Just the shell's two lines and the prompt: no page of Nest's module-loading logs.
      expect(banner).toMatch(
        /^microblog shell on SQLite .*\nnames: em, orm, User, Post, usersService, postsService, get\(\), methods\(\), debug\(\)\n> $/,
      );

      /** Types one line and returns what the shell printed before its next prompt. */
      const type = async (line: string): Promise<string> => {
        const output = waitForOutput(shell.stdout, prompt);
        shell.stdin.write(`${line}\n`);
        return (await output).replace(prompt, '').trim();
      };

      banner = '';
      await expect(
        type("u = em.create(User, { username: 'john', email: 'john@example.com' })"),
      ).resolves.toBe('<User john>');
      await type('await em.flush()');
      // Sign-up through the service: with a password, stored only as its argon2id hash.
      await expect(
        type(
          "s = await usersService.create({ username: 'susan', email: 'susan@example.com', password: 'correct horse battery staple' })",
        ),
      ).resolves.toBe('<User susan>');
      await expect(type("s.passwordHash.startsWith('$argon2id$')")).resolves.toBe('true');
      await expect(type('await em.find(User, {})')).resolves.toBe('[ <User john>, <User susan> ]');
      await expect(
        type("p = em.create(Post, { body: 'my first post!', author: u })"),
      ).resolves.toBe('<Post my first post!>');
      await type('await em.flush()');
      await expect(type('p.author')).resolves.toBe('<User john>');
      // Changes are made as someone: susan may not change john's account (403)...
      await expect(
        type(
          "await usersService.update(u.id, { username: 'johnny' }, { id: s.id, username: 'susan', sessionId: 0 }).catch((e) => e.status)",
        ),
      ).resolves.toBe('403');
      await expect(type('u.username')).resolves.toBe("'john'");
      // ...john may, and in one unit of work the service changes the very entity `em` holds.
      await expect(
        type(
          "(await usersService.update(u.id, { username: 'johnny' }, { id: u.id, username: 'john', sessionId: 0 })) === u",
        ),
      ).resolves.toBe('true');
      await expect(type('u.username')).resolves.toBe("'johnny'");
      await expect(type('u.email')).resolves.toBe("'john@example.com'");
      await expect(type('await u.posts.loadItems()')).resolves.toBe('[ <Post my first post!> ]');
      await expect(
        type('(await postsService.listByAuthor(u.id, { limit: 5 })).items.map((p) => p.body)'),
      ).resolves.toBe("[ 'my first post!' ]");
      await expect(
        type("await (await em.findOneOrFail(User, { username: 'susan' })).posts.loadCount()"),
      ).resolves.toBe('0');
    }
  }, 90_000);
});
