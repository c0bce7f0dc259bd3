import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { SeedCommand } from './seed.command';
import { SeedService } from './seed.service';

@Module({
  imports: [AppConfigModule, DatabaseModule],
  providers: [SeedService, SeedCommand],
})
export class SeedModule {}
