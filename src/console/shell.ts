import { join } from 'node:path';
import { start, type REPLEval } from 'node:repl';
import { TransactionContext } from '@mikro-orm/core';
import { NestFactory } from '@nestjs/core';
import { ReplContext } from '@nestjs/core/repl/repl-context.js';
import { loadEnvironment } from '../config/environment';
import { describeTarget, parseDatabaseUrl } from '../database/database-url';
import { PROJECT_ROOT } from '../database/project-root';
import { createShellContext } from './shell/shell-context';

/** Where the shell keeps its history (git-ignored). */
export const HISTORY_FILE = join(PROJECT_ROOT, '.repl_history');

/**
 * `npm run shell`: a Node REPL on the app's context (with Nest's REPL helpers `get()`,
 * `methods()` and `debug()`), plus `em`, `orm`, `User`, `Post`, `usersService` and
 * `postsService`. Every line runs in a context bound to the shell's `em`, so the services and
 * `em` share one unit of work (one identity map), as the tutorial's shell shares `db.session`.
 */
async function main(): Promise<void> {
  const { DATABASE_URL } = loadEnvironment();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AppModule } = require('../app.module') as typeof import('../app.module');
  // Nest's own `repl()` logs every module it loads; the shell only shows warnings and errors.
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  await app.init();
  const context = createShellContext(app);
  console.log(
    `microblog shell on ${describeTarget(parseDatabaseUrl(DATABASE_URL, PROJECT_ROOT))}\n` +
      `names: ${Object.keys(context).join(', ')}, get(), methods(), debug()`,
  );
  const server = start({ prompt: '> ', ignoreUndefined: true });
  // Nest's REPL helpers (`get()`, `methods()`, `debug()`, ...), as `repl()` sets them up.
  const nest = new ReplContext(app);
  Object.defineProperties(server.context, Object.getOwnPropertyDescriptors(nest.globalScope));
  Object.assign(server.context, context);
  server.on('exit', () => void app.close());

  const evaluate = server.eval;
  // TransactionContext binds `em` itself as the context's EntityManager; RequestContext.create
  // would fork a new one for every line, and the services would not share the shell's `em`.
  const inContext: REPLEval = (code, ctx, file, callback) =>
    TransactionContext.create(context.em, () => evaluate.call(server, code, ctx, file, callback));
  (server as { eval: REPLEval }).eval = inContext;

  server.setupHistory(HISTORY_FILE, (err) => {
    if (err) {
      console.error(`History is off: ${err.message}`);
    }
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
