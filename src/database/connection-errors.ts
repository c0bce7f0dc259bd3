/**
 * How a database operation failed for want of a database, on any supported driver:
 *
 * - `lost`: a connection the app held went away under the operation (the server shut down or
 *   crashed, the connection was killed, the network dropped it). Another connection may work;
 *   whether a write on the lost one committed is unknown.
 * - `unreachable`: no connection could be made (refused, timed out, the server starting up or
 *   shutting down, out of connection slots). Nothing was sent, so nothing was written.
 *
 * MikroORM 7 converts few of these: its PostgreSQL converter leaves SQLSTATE 57P01 (`terminating
 * connection due to administrator command`) and every socket error a plain `DriverException`,
 * its MySQL one makes `ConnectionException`s of 2002 and 2005 but also of access denied (1045)
 * and unknown database (1049), which are configuration errors, not outages; and errors of
 * `begin` and `commit` (Kysely's transaction calls) reach the caller unconverted. So this reads
 * the driver's own fields, on the converted exception (which copies them) or on the raw error,
 * its `cause` chain and, for a connect to several addresses, an `AggregateError`'s errors.
 */
export type DatabaseOutage = 'lost' | 'unreachable';

/** Node socket and DNS errors (`code`), from `pg`, `mysql2` and `net` alike. */
const SOCKET_CODES: Record<string, DatabaseOutage> = {
  ECONNRESET: 'lost',
  EPIPE: 'lost',
  ECONNABORTED: 'lost',
  ECONNREFUSED: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
};

/**
 * PostgreSQL SQLSTATEs (`code`). Class 08 is "connection exception", but for 08P01 (protocol
 * violation), which is a bug rather than an outage.
 */
const POSTGRES_CODES: Record<string, DatabaseOutage> = {
  '57P01': 'lost', // admin_shutdown: a fast or smart shutdown, pg_terminate_backend()
  '57P02': 'lost', // crash_shutdown: another backend crashed, the server restarts
  '57P05': 'lost', // idle_session_timeout
  '08000': 'lost', // connection_exception
  '08003': 'lost', // connection_does_not_exist
  '08006': 'lost', // connection_failure
  '08007': 'lost', // transaction_resolution_unknown
  '57P03': 'unreachable', // cannot_connect_now: starting up, shutting down, in recovery
  '08001': 'unreachable', // sqlclient_unable_to_establish_sqlconnection
  '08004': 'unreachable', // sqlserver_rejected_establishment_of_sqlconnection
  '53300': 'unreachable', // too_many_connections
};

/** MySQL/MariaDB error numbers (`errno`), server and client ones. */
const MYSQL_ERRNOS: Record<number, DatabaseOutage> = {
  1053: 'lost', // ER_SERVER_SHUTDOWN: server shutdown in progress
  1152: 'lost', // ER_ABORTING_CONNECTION
  1158: 'lost', // ER_NET_READ_ERROR
  1159: 'lost', // ER_NET_READ_INTERRUPTED
  1160: 'lost', // ER_NET_ERROR_ON_WRITE
  1161: 'lost', // ER_NET_WRITE_INTERRUPTED
  1927: 'lost', // ER_CONNECTION_KILLED (MariaDB): the server is shutting down, or KILL
  2006: 'lost', // CR_SERVER_GONE_ERROR: the server has gone away
  2013: 'lost', // CR_SERVER_LOST: lost connection during query
  1040: 'unreachable', // ER_CON_COUNT_ERROR: too many connections
  2002: 'unreachable', // CR_CONNECTION_ERROR
  2003: 'unreachable', // CR_CONN_HOST_ERROR
};

/** `mysql2`'s own codes, for errors that never came from the server. */
const MYSQL2_CODES: Record<string, DatabaseOutage> = {
  PROTOCOL_CONNECTION_LOST: 'lost',
  PROTOCOL_SEQUENCE_TIMEOUT: 'unreachable', // connectTimeout passed during the handshake
};

/** SQLite (better-sqlite3 `code`): the file cannot be opened or read. */
const SQLITE_PREFIXES: [string, DatabaseOutage][] = [
  ['SQLITE_CANTOPEN', 'unreachable'],
  ['SQLITE_IOERR', 'unreachable'],
];

/** Errors the drivers raise without any code, by their whole message. */
const MESSAGES: [string, DatabaseOutage][] = [
  ['Connection terminated unexpectedly', 'lost'], // pg: the socket closed under a query
  ['Client has encountered a connection error and is not queryable', 'lost'], // pg
  ["Can't add new command when connection is in closed state", 'lost'], // mysql2
  ['Connection terminated due to connection timeout', 'unreachable'], // pg-pool
  ['timeout exceeded when trying to connect', 'unreachable'], // pg-pool: no free connection
];

/** How deep `cause` chains and `AggregateError`s are followed. */
const MAX_DEPTH = 4;

/** Whether `err` means the database was unreachable or went away, and how; else undefined. */
export function databaseOutage(err: unknown, depth = 0): DatabaseOutage | undefined {
  if (typeof err !== 'object' || err === null || depth > MAX_DEPTH) {
    return undefined;
  }
  const found = ownOutage(err);
  if (found) {
    return found;
  }
  const { cause, errors } = err as { cause?: unknown; errors?: unknown };
  const inners: unknown[] = Array.isArray(errors) ? [cause, ...(errors as unknown[])] : [cause];
  for (const inner of inners) {
    const outage = databaseOutage(inner, depth + 1);
    if (outage) {
      return outage;
    }
  }
  return undefined;
}

/** The fields drivers set on their errors (and MikroORM copies onto its exceptions). */
interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

function ownOutage({ code, errno, message }: DriverError): DatabaseOutage | undefined {
  if (typeof code === 'string') {
    const known = SOCKET_CODES[code] ?? POSTGRES_CODES[code] ?? MYSQL2_CODES[code];
    if (known) {
      return known;
    }
    const sqlite = SQLITE_PREFIXES.find(([prefix]) => code.startsWith(prefix));
    if (sqlite) {
      return sqlite[1];
    }
  }
  if (typeof errno === 'number' && MYSQL_ERRNOS[errno]) {
    return MYSQL_ERRNOS[errno];
  }
  // Only errors without a code are read by message: the message of one with a code (say a
  // unique violation) may quote the SQL and its values, which could say anything.
  if (code === undefined && typeof message === 'string') {
    return MESSAGES.find(([text]) => message === text || message.endsWith(` - ${text}`))?.[1];
  }
  return undefined;
}
