import { CommandFactory } from 'nest-commander';
import { loadEnvironment } from '../config/environment';

/** `npm run adopt -- [--dry-run] [--yes]`: see AdoptCommand. */
async function main(): Promise<void> {
  loadEnvironment();
  const { AdoptModule } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./adopt/adopt.module') as typeof import('./adopt/adopt.module');
  await CommandFactory.run(AdoptModule, {
    logger: ['error', 'warn'],
    serviceErrorHandler: (err) => {
      console.error(`Adoption failed, nothing was changed: ${err.message}`);
      process.exitCode = 1;
    },
  });
}

let settled = false;
main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  .finally(() => (settled = true));

// Node exits when nothing is left to wait for, even with the adoption unfinished (a promise
// that never settles): that must not pass for success. The transaction was never committed.
process.once('beforeExit', () => {
  if (!settled) {
    console.error('Adoption stopped before it finished; nothing was changed.');
    process.exitCode = 1;
  }
});
