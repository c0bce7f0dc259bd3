import { ConfigModule } from '@nestjs/config';
import { ENV_FILE, validateEnvironment } from './environment';

/**
 * The validated environment, for the HTTP app and the console entry points alike. `ConfigService`
 * answers from the validated values only (`skipProcessEnv`): otherwise, for a variable that
 * validation treats as unset (an empty `REDIS_URL=`), it would fall back to `process.env` and
 * hand out the raw, unvalidated string.
 */
export const AppConfigModule = ConfigModule.forRoot({
  isGlobal: true,
  envFilePath: ENV_FILE,
  validate: validateEnvironment,
  skipProcessEnv: true,
});
