import { isAbsolute, resolve } from 'node:path';

/** An embedded SQLite database file (or `:memory:`). */
export interface SqliteTarget {
  driver: 'sqlite';
  /** Absolute file path, or `:memory:`. */
  dbName: string;
}

/** A database server, reached through its URL. */
export interface ServerTarget {
  driver: ServerDriver;
  clientUrl: string;
  host: string;
  port: number;
  dbName: string;
}

export type ServerDriver = 'postgresql' | 'mysql' | 'mariadb';
export type DatabaseTarget = SqliteTarget | ServerTarget;

export const DEFAULT_SQLITE_FILE = 'app.db';

export const ACCEPTED_DATABASE_URLS =
  'sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite::memory:, a bare file path, ' +
  'postgresql://user:pass@host:port/db (or postgres://), mysql://user:pass@host:port/db, ' +
  'mariadb://user:pass@host:port/db';

/** Server URL schemes, the driver each selects and the server's default port. */
const SERVER_SCHEMES: Record<string, { driver: ServerDriver; port: number }> = {
  'postgresql:': { driver: 'postgresql', port: 5432 },
  'postgres:': { driver: 'postgresql', port: 5432 },
  'mysql:': { driver: 'mysql', port: 3306 },
  'mariadb:': { driver: 'mariadb', port: 3306 },
};

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/**
 * Parses `DATABASE_URL`. Unset or empty means the SQLite file `app.db` in `root`.
 * Relative SQLite paths are resolved against `root` (the project folder), never against the
 * current directory, so the app, the CLI and the tests agree whatever folder they start in.
 */
export function parseDatabaseUrl(url: string | undefined, root: string): DatabaseTarget {
  const value = url?.trim();
  if (!value) {
    return sqlite(resolve(root, DEFAULT_SQLITE_FILE));
  }
  if (/[\r\n]/.test(value)) {
    // Say, a command's output captured along with the URL (`DATABASE_URL=$(...)`). As a file
    // path it would name a folder that does not exist; the value is not shown, since a password
    // past the first line would escape maskUrl.
    throw new DatabaseUrlError(
      `DATABASE_URL holds a line break: one URL or file path expected; accepted forms: ${ACCEPTED_DATABASE_URLS}`,
    );
  }
  if (value === ':memory:' || value === 'sqlite::memory:' || value === 'sqlite://:memory:') {
    return sqlite(':memory:');
  }
  if (value.startsWith('sqlite://')) {
    // SQLAlchemy's convention, which the Flask tutorial uses: three slashes then a relative
    // path (sqlite:///app.db), four slashes for an absolute one (sqlite:////var/data/app.db).
    const path = decodeURIComponent(value.slice('sqlite://'.length).split('?')[0]);
    if (!path.startsWith('/') || path.length < 2) {
      throw invalid(value, 'a sqlite URL needs a path after "sqlite:///"');
    }
    return sqlite(resolve(root, path.slice(1)));
  }
  const scheme = SCHEME.exec(value);
  if (!scheme || WINDOWS_DRIVE.test(value)) {
    return sqlite(isAbsolute(value) ? value : resolve(root, value));
  }
  const server = SERVER_SCHEMES[`${scheme[1].toLowerCase()}:`];
  if (!server) {
    throw invalid(value, `unsupported scheme "${scheme[1]}:"`);
  }
  return serverTarget(value, server, (reason) => invalid(value, reason));
}

function serverTarget(
  value: string,
  { driver, port }: (typeof SERVER_SCHEMES)[string],
  invalid: (reason: string) => Error,
) {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid('not a valid URL');
  }
  const dbName = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !dbName || dbName.includes('/')) {
    throw invalid('a server URL needs a host and a database name (scheme://host/db)');
  }
  return {
    driver,
    clientUrl: value,
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : port,
    dbName,
  } satisfies ServerTarget;
}

function sqlite(dbName: string): SqliteTarget {
  return { driver: 'sqlite', dbName };
}

function invalid(value: string, reason: string): DatabaseUrlError {
  return new DatabaseUrlError(
    `DATABASE_URL=${maskUrl(value)}: ${reason}; accepted forms: ${ACCEPTED_DATABASE_URLS}`,
  );
}

/** Hides the password of a `scheme://user:password@host` URL. */
export function maskUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Where a target lives, for messages: `host:port/db` or the SQLite file. */
export function describeTarget(target: DatabaseTarget): string {
  return target.driver === 'sqlite'
    ? `SQLite ${target.dbName}`
    : `${target.driver} at ${target.host}:${target.port}/${target.dbName}`;
}

/** The most read replicas `DATABASE_REPLICA_URLS` may list. */
export const MAX_REPLICAS = 16;

/** A read replica of the primary database, as `DATABASE_REPLICA_URLS` names it. */
export interface ReplicaTarget extends ServerTarget {
  /** `replica-1`, `replica-2`...: in logs, `/health` and `application_name`, never the URL. */
  name: string;
}

/**
 * Parses `DATABASE_REPLICA_URLS`: comma-separated URLs of read replicas of the primary that
 * `primary` (`DATABASE_URL`) names, each of the same kind. Unset or empty means none. Replicas
 * are PostgreSQL streaming (physical) replicas: the replication-lag probe is PostgreSQL's, and
 * SQLite has no server to replicate. Messages never show a password.
 */
export function parseReplicaUrls(
  value: string | undefined,
  primary: DatabaseTarget,
): ReplicaTarget[] {
  const list = value?.trim();
  if (!list) {
    return [];
  }
  if (primary.driver !== 'postgresql') {
    throw new DatabaseUrlError(
      `DATABASE_REPLICA_URLS is set, but DATABASE_URL is ${primary.driver === 'sqlite' ? 'SQLite' : primary.driver}: ` +
        'read replicas are PostgreSQL streaming replicas of a PostgreSQL DATABASE_URL; ' +
        'unset DATABASE_REPLICA_URLS',
    );
  }
  const entries = list.split(',');
  if (entries.length > MAX_REPLICAS) {
    throw new DatabaseUrlError(
      `DATABASE_REPLICA_URLS lists ${entries.length} replicas; at most ${MAX_REPLICAS}`,
    );
  }
  return entries.map((entry, index) => {
    const url = entry.trim();
    const name = `replica-${index + 1}`;
    const shown = withoutCredentials(url);
    const refuse = (reason: string) =>
      new DatabaseUrlError(
        `DATABASE_REPLICA_URLS (${name}${shown ? `, ${shown}` : ''}): ${reason}; ` +
          'accepted: comma-separated postgresql://user:pass@host:port/db URLs',
      );
    if (!url) {
      throw refuse('empty entry');
    }
    const scheme = SCHEME.exec(url);
    const server = scheme ? SERVER_SCHEMES[`${scheme[1].toLowerCase()}:`] : undefined;
    if (server?.driver !== 'postgresql') {
      throw refuse('not a PostgreSQL URL, as DATABASE_URL is');
    }
    return { ...serverTarget(url, server, refuse), name };
  });
}

/** `scheme://host:port/path` of a URL, without user, password or query; '' if it is none. */
function withoutCredentials(value: string): string {
  try {
    const { protocol, host, pathname } = new URL(value);
    return host ? `${protocol}//${host}${pathname}` : '';
  } catch {
    return '';
  }
}
