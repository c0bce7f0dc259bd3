import { ConfigModule } from '@nestjs/config';
import { ENV_FILE, validateEnvironment } from './environment';

/** The validated environment, for the HTTP app and the console entry points alike. */
export const AppConfigModule = ConfigModule.forRoot({
  isGlobal: true,
  envFilePath: ENV_FILE,
  validate: validateEnvironment,
});
