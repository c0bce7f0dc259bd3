import { isAbsolute, resolve } from 'node:path';

/** What `DATABASE_URL` resolves to. Later drivers add their own variants here. */
export interface SqliteTarget {
  driver: 'sqlite';
  /** Absolute file path, or `:memory:`. */
  dbName: string;
}

export type DatabaseTarget = SqliteTarget;

export const DEFAULT_SQLITE_FILE = 'app.db';

export const ACCEPTED_DATABASE_URLS =
  'sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite::memory:, or a bare file path';

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
  if (scheme && !WINDOWS_DRIVE.test(value)) {
    throw invalid(value, `unsupported scheme "${scheme[1]}:"`);
  }
  return sqlite(isAbsolute(value) ? value : resolve(root, value));
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
