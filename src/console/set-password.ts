import { CommandFactory } from 'nest-commander';
import { loadEnvironment } from '../config/environment';

/** `npm run set-password -- <username or email> [--generate]`: see SetPasswordCommand. */
async function main(): Promise<void> {
  loadEnvironment();
  const { AccountsModule } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./accounts/accounts.module') as typeof import('./accounts/accounts.module');
  await CommandFactory.run(AccountsModule, {
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
