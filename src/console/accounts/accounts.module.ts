import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { RateLimitModule } from '../../common/rate-limit/rate-limit.module';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { SetPasswordCommand } from './set-password.command';

/** Console commands for administrators, on the app's configuration, database and auth. */
@Module({
  imports: [AppConfigModule, DatabaseModule, RateLimitModule, AuthModule],
  providers: [SetPasswordCommand],
})
export class AccountsModule {}
