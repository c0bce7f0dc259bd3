import cluster from 'node:cluster';
import { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { AccessTokens } from '../../auth/access-tokens';
import type { Environment } from '../../config/environment';
import type { RedisConnection } from '../../redis/redis-connection';
import { REDIS } from '../../redis/redis.module';
import { parseDatabaseUrl, parseReplicaUrls } from '../database-url';
import { PROJECT_ROOT } from '../project-root';
import { ReadReplicas } from './read-replicas';
import { ReadRoutingInterceptor } from './read-routing.interceptor';
import { MemoryRecentWriters, RecentWriters, RedisRecentWriters } from './recent-writers';

/** The part of `PostgreSqlReplicasDriver` used here (a type: SQLite apps never load it). */
interface ReplicasDriver {
  readonly readReplicas: readonly AbstractSqlConnection[];
}

function hasReadReplicas(driver: unknown): driver is ReplicasDriver {
  return Array.isArray((driver as Partial<ReplicasDriver>).readReplicas);
}

/**
 * Read replicas (`DATABASE_REPLICA_URLS`), for the HTTP app: their health and the routing of
 * reads (`ReadReplicas`), the recent writers whose reads stay on the primary (in Redis when
 * `REDIS_URL` is set, else in memory, shared by the workers through their primary process), and
 * the interceptor that decides, per request, where reads go. Without replicas, all of it stands
 * aside and every query runs on the one database, as before.
 */
@Global()
@Module({
  providers: [
    {
      provide: ReadReplicas,
      inject: [MikroORM, ConfigService],
      useFactory: (orm: MikroORM, config: ConfigService<Environment, true>) => {
        const driver = orm.driver;
        if (!hasReadReplicas(driver)) {
          return ReadReplicas.none();
        }
        const targets = parseReplicaUrls(
          config.get('DATABASE_REPLICA_URLS', { infer: true }),
          parseDatabaseUrl(config.get('DATABASE_URL', { infer: true }), PROJECT_ROOT),
        );
        return new ReadReplicas(
          driver.readReplicas.map((connection, i) => ({
            name: targets[i].name,
            location: `${targets[i].host}:${targets[i].port}/${targets[i].dbName}`,
            client: () => connection.getClient(),
          })),
          () => (driver.getConnection('write') as AbstractSqlConnection).getClient(),
          { maxLagMs: config.get('REPLICA_MAX_LAG', { infer: true }) },
        );
      },
    },
    {
      provide: RecentWriters,
      inject: [ConfigService, REDIS],
      useFactory: (config: ConfigService<Environment, true>, redis: RedisConnection | null) => {
        const windowMs = config.get('READ_YOUR_WRITES_WINDOW', { infer: true });
        return redis
          ? new RedisRecentWriters(redis, windowMs)
          : new MemoryRecentWriters(windowMs, cluster.isWorker ? process : undefined);
      },
    },
    {
      provide: APP_INTERCEPTOR,
      inject: [Reflector, ReadReplicas, AccessTokens, RecentWriters],
      useFactory: readRoutingInterceptor,
    },
  ],
  exports: [ReadReplicas],
})
export class ReadReplicasModule {}

/**
 * The global interceptor that routes reads, or none without replicas: Nest 12 skips a global
 * enhancer whose factory returns nothing. Any global interceptor puts every request through
 * Nest's RxJS pipeline; for `GET /users/:id` that was 15% of the app's CPU and 13% of what it
 * allocates per request (bench/README.md, "Tail latency"), to decide nothing.
 */
export function readRoutingInterceptor(
  reflector: Reflector,
  replicas: ReadReplicas,
  tokens: AccessTokens,
  writers: RecentWriters,
): ReadRoutingInterceptor | null {
  return replicas.configured ? new ReadRoutingInterceptor(reflector, tokens, writers) : null;
}
