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
  return serverTarget(value, server);
}

function serverTarget(value: string, { driver, port }: (typeof SERVER_SCHEMES)[string]) {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(value, 'not a valid URL');
  }
  const dbName = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !dbName || dbName.includes('/')) {
    throw invalid(value, 'a server URL needs a host and a database name (scheme://host/db)');
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
