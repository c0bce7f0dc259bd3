import { type PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';

/**
 * The PostgreSQL driver, for an app with read replicas (`DATABASE_REPLICA_URLS`, MikroORM's
 * `replicas`). MikroORM opens and closes the replicas' connections; which one serves a read is
 * decided by `ReadReplicas` alone, which knows whether the request may read from a replica and
 * which replicas are healthy. So the ORM itself never picks one: every query it runs (entities,
 * the unit of work, `em.getKysely()`, whatever connection type it asks for) runs on the primary.
 * MikroORM's own pick (a random replica, up or down) is thus out of reach, by construction.
 */
export class PostgreSqlReplicasDriver extends PostgreSqlDriver {
  /** The replicas' connections, in the order of `DATABASE_REPLICA_URLS`. */
  get readReplicas(): readonly PostgreSqlConnection[] {
    return this.replicas;
  }

  /** The primary, whatever connection type is asked for: see the class comment. */
  override getConnection(): PostgreSqlConnection {
    return this.connection;
  }
}
