import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { AdoptCommand } from './adopt.command';

/** `npm run adopt`: the configuration only; the command opens the database its own way. */
@Module({
  imports: [AppConfigModule],
  providers: [AdoptCommand],
})
export class AdoptModule {}
