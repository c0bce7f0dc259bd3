import { Injectable, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  MikroOrmModule,
  type MikroOrmModuleOptions,
  type MikroOrmOptionsFactory,
} from '@mikro-orm/nestjs';
import { createOrmConfig } from '../../mikro-orm.config';
import type { Environment } from '../config/environment';

/** Builds the app's ORM options from the validated environment, with Nest's logger. */
@Injectable()
export class OrmOptionsFactory implements MikroOrmOptionsFactory {
  private readonly logger = new Logger('MikroORM');

  constructor(private readonly config: ConfigService<Environment, true>) {}

  createMikroOrmOptions(): MikroOrmModuleOptions {
    return createOrmConfig(this.config.get('DATABASE_URL', { infer: true }), {
      logger: (message) => this.logger.log(message),
    });
  }
}

/**
 * The ORM for the app, configured through the same `createOrmConfig()` the CLI and the tests
 * use. `@mikro-orm/nestjs` gives every HTTP request its own forked EntityManager (a request
 * context), so no request touches the global one.
 */
@Module({
  imports: [MikroOrmModule.forRootAsync({ useClass: OrmOptionsFactory })],
})
export class DatabaseModule {}
