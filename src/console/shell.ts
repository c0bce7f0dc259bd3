import { join } from 'node:path';
import type { REPLEval, REPLServer } from 'node:repl';
import { TransactionContext } from '@mikro-orm/core';
import { Logger } from '@nestjs/common';
import { repl } from '@nestjs/core';
import { loadEnvironment } from '../config/environment';
import { describeTarget, parseDatabaseUrl } from '../database/database-url';
import { PROJECT_ROOT } from '../database/project-root';
import { createShellContext } from './shell/shell-context';

/** Where the shell keeps its history (git-ignored). */
export const HISTORY_FILE = join(PROJECT_ROOT, '.repl_history');

/**
 * `npm run shell`: a Node REPL on the app's context (Nest's `repl()`, with its `get()`,
 * `methods()` and `debug()`), plus `em`, `orm`, `User`, `Post`, `usersService` and
 * `postsService`. Every line runs in a context bound to the shell's `em`, so the services and
 * `em` share one unit of work (one identity map), as the tutorial's shell shares `db.session`.
 */
async function main(): Promise<void> {
  const { DATABASE_URL } = loadEnvironment();
  Logger.overrideLogger(['error', 'warn']);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AppModule } = require('../app.module') as typeof import('../app.module');
  const server: REPLServer = await repl(AppModule);
  const context = createShellContext({ get: server.context.get as never });
  Object.assign(server.context, context);
  console.log(
    `microblog shell on ${describeTarget(parseDatabaseUrl(DATABASE_URL, PROJECT_ROOT))}\n` +
      `names: ${Object.keys(context).join(', ')}, get(), methods(), debug()`,
  );
  server.displayPrompt();

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
