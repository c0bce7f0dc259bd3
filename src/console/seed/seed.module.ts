import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { PasswordHasher } from '../../users/password-hasher';
import { SeedCommand } from './seed.command';
import { SeedService } from './seed.service';

@Module({
  imports: [AppConfigModule, DatabaseModule],
  providers: [SeedService, SeedCommand, PasswordHasher],
})
export class SeedModule {}
