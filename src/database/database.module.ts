import { Global, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager, MikroORM } from '@mikro-orm/core';
import { SqlEntityManager } from '@mikro-orm/sql';
import {
  MikroOrmModule,
  type MikroOrmModuleOptions,
  type MikroOrmOptionsFactory,
} from '@mikro-orm/nestjs';
import { createOrmConfig } from '../../mikro-orm.config';
import type { Environment } from '../config/environment';
import { pingDatabase } from './ping';
import { createQueryDatabase } from './query-database';
import { QUERY_DATABASE } from './read-queries';
import { ReadReplicas } from './replicas/read-replicas';

/** Builds the app's ORM options from the validated environment, with Nest's logger. */
@Injectable()
export class OrmOptionsFactory implements MikroOrmOptionsFactory {
  private readonly logger = new Logger('MikroORM');

  constructor(private readonly config: ConfigService<Environment, true>) {}

  createMikroOrmOptions(): MikroOrmModuleOptions {
    return createOrmConfig(
      this.config.get('DATABASE_URL', { infer: true }),
      { logger: (message) => this.logger.log(message) },
      this.config.get('DATABASE_REPLICA_URLS', { infer: true }),
    );
  }
}

/**
 * The ORM for the app, configured through the same `createOrmConfig()` the CLI and the tests
 * use. `@mikro-orm/nestjs` gives every HTTP request its own forked EntityManager (a request
 * context), so no request touches the global one; services inject it as `EntityManager` from
 * `@mikro-orm/sql`. The read queries' `QueryDatabase` runs on that same context.
 */
@Global()
@Module({
  imports: [MikroOrmModule.forRootAsync({ useClass: OrmOptionsFactory })],
  providers: [
    // Every supported database is SQL: services inject the SQL EntityManager's API (the driver,
    // and so its class, is only known once DATABASE_URL is read).
    { provide: SqlEntityManager, useExisting: EntityManager },
    {
      provide: QUERY_DATABASE,
      // Read replicas are the HTTP app's (ReadReplicasModule); console commands have none.
      inject: [EntityManager, { token: ReadReplicas, optional: true }],
      useFactory: createQueryDatabase,
    },
  ],
  exports: [SqlEntityManager, QUERY_DATABASE],
})
export class DatabaseModule implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  /**
   * MikroORM connects lazily: reach the database while the app starts, so that an unreachable
   * one stops the start-up (one line, see `main.ts`) instead of failing every request.
   */
  async onModuleInit(): Promise<void> {
    const ping = await pingDatabase(this.orm);
    if (!ping.ok) {
      throw new Error(ping.reason);
    }
  }
}
