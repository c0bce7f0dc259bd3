import { CommandFactory } from 'nest-commander';
import { loadEnvironment } from '../config/environment';

/** `npm run seed -- [options]`: see SeedCommand. */
async function main(): Promise<void> {
  loadEnvironment();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SeedModule } = require('./seed/seed.module') as typeof import('./seed/seed.module');
  await CommandFactory.run(SeedModule, {
    logger: ['error', 'warn'],
    serviceErrorHandler: (err) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
