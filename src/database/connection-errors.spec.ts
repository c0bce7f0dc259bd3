import {
  ConnectionException,
  DriverException,
  BaseMySqlPlatform,
  BasePostgreSqlPlatform,
  SqlitePlatform,
  UniqueConstraintViolationException,
} from '@mikro-orm/sql';
import { databaseOutage } from './connection-errors';

/** An error as a driver raises it: a message and the driver's own fields. */
function driverError(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

/** A Node socket error, as `net` raises it under `pg` and `mysql2`. */
function socketError(code: string, errno: number): Error {
  return driverError(`connect ${code} 127.0.0.1:5432`, { code, errno, syscall: 'connect' });
}

// MikroORM's own converters (not exported by themselves), as each driver applies them.
const postgres = new BasePostgreSqlPlatform().getExceptionConverter();
const mysql = new BaseMySqlPlatform().getExceptionConverter();
const sqlite = new SqlitePlatform().getExceptionConverter();

describe('databaseOutage', () => {
  describe('PostgreSQL (pg, pg-pool)', () => {
    it.each([
      ['57P01', 'terminating connection due to administrator command', 'lost'],
      ['57P02', 'terminating connection because of crash of another server process', 'lost'],
      ['57P05', 'terminating connection due to idle-session timeout', 'lost'],
      ['08006', 'connection failure', 'lost'],
      ['08003', 'connection does not exist', 'lost'],
      ['57P03', 'the database system is shutting down', 'unreachable'],
      ['57P03', 'the database system is starting up', 'unreachable'],
      ['53300', 'sorry, too many clients already', 'unreachable'],
      ['08001', 'could not connect', 'unreachable'],
    ])('reads SQLSTATE %s (%s) as %s, raw and as MikroORM converts it', (code, message, kind) => {
      const raw = driverError(message, { code, severity: 'FATAL' });
      expect(databaseOutage(raw)).toBe(kind);
      const converted = postgres.convertException(driverError(message, { code }));
      expect(converted).toBeInstanceOf(DriverException);
      expect(databaseOutage(converted)).toBe(kind);
    });

    it.each([
      ['Connection terminated unexpectedly', 'lost'],
      ['Client has encountered a connection error and is not queryable', 'lost'],
      ['Connection terminated due to connection timeout', 'unreachable'],
      ['timeout exceeded when trying to connect', 'unreachable'],
    ])('reads "%s", which has no code, as %s', (message, kind) => {
      expect(databaseOutage(new Error(message))).toBe(kind);
      expect(databaseOutage(postgres.convertException(new Error(message)))).toBe(kind);
    });

    it('follows the cause of a connection timeout, and the errors of an AggregateError', () => {
      const timeout = new Error('some wrapper', { cause: socketError('ETIMEDOUT', -110) });
      expect(databaseOutage(timeout)).toBe('unreachable');
      const both = Object.assign(
        new AggregateError([socketError('ECONNREFUSED', -111), socketError('ECONNREFUSED', -111)]),
        { code: 'ECONNREFUSED' },
      );
      expect(databaseOutage(both)).toBe('unreachable');
      expect(databaseOutage(new AggregateError([new Error('x'), socketError('EPIPE', -32)]))).toBe(
        'lost',
      );
    });

    it.each([
      ['23505', 'duplicate key value violates unique constraint "ix_user_email"'],
      ['40P01', 'deadlock detected'],
      ['42P01', 'relation "post" does not exist'],
      ['28P01', 'password authentication failed for user "app"'],
      ['3D000', 'database "microblog" does not exist'],
      ['08P01', 'invalid message format'],
    ])('leaves SQLSTATE %s (%s) alone', (code, message) => {
      expect(databaseOutage(postgres.convertException(driverError(message, { code })))).toBe(
        undefined,
      );
    });

    it('does not read the message of an error that has a code: it may quote any value', () => {
      const err = new UniqueConstraintViolationException(
        driverError(`insert ... values ('Connection terminated unexpectedly')`, { code: '23505' }),
      );
      expect(databaseOutage(err)).toBe(undefined);
      expect(databaseOutage(new Error('Connection terminated'))).toBe(undefined); // the app's own end()
    });
  });

  describe('MySQL/MariaDB (mysql2)', () => {
    it.each([
      [
        'PROTOCOL_CONNECTION_LOST',
        undefined,
        'Connection lost: The server closed the connection.',
        'lost',
      ],
      ['ER_CONNECTION_KILLED', 1927, 'Connection was killed', 'lost'],
      ['ER_SERVER_SHUTDOWN', 1053, 'Server shutdown in progress', 'lost'],
      [undefined, 2006, 'MySQL server has gone away', 'lost'],
      [undefined, 2013, 'Lost connection to MySQL server during query', 'lost'],
      ['ER_CON_COUNT_ERROR', 1040, 'Too many connections', 'unreachable'],
      ['PROTOCOL_SEQUENCE_TIMEOUT', undefined, 'Connection timed out', 'unreachable'],
    ])('reads %s (%s) as %s', (code, errno, message, kind) => {
      const raw = driverError(message, { code, errno, fatal: true });
      expect(databaseOutage(raw)).toBe(kind);
      expect(databaseOutage(mysql.convertException(raw))).toBe(kind);
    });

    it("reads mysql2's closed-state error, which has no code, as lost", () => {
      const err = driverError("Can't add new command when connection is in closed state", {
        fatal: true,
      });
      expect(databaseOutage(mysql.convertException(err))).toBe('lost');
    });

    it.each([
      ['ER_ACCESS_DENIED_ERROR', 1045],
      ['ER_BAD_DB_ERROR', 1049],
      ['ER_DUP_ENTRY', 1062],
      ['ER_LOCK_WAIT_TIMEOUT', 1205],
    ])(
      'leaves %s (%i) alone, though MikroORM calls some of them ConnectionException',
      (code, errno) => {
        expect(databaseOutage(mysql.convertException(driverError(code, { code, errno })))).toBe(
          undefined,
        );
      },
    );

    it('leaves a 1045 ConnectionException alone: a wrong password is no outage', () => {
      const err = mysql.convertException(driverError('Access denied', { errno: 1045 }));
      expect(err).toBeInstanceOf(ConnectionException);
      expect(databaseOutage(err)).toBe(undefined);
    });
  });

  describe('sockets, on every server driver', () => {
    it.each([
      ['ECONNRESET', -104, 'lost'],
      ['EPIPE', -32, 'lost'],
      ['ECONNREFUSED', -111, 'unreachable'],
      ['ETIMEDOUT', -110, 'unreachable'],
      ['EHOSTUNREACH', -113, 'unreachable'],
      ['ENOTFOUND', -3008, 'unreachable'],
    ])('reads %s as %s', (code, errno, kind) => {
      expect(databaseOutage(socketError(code, errno))).toBe(kind);
      expect(databaseOutage(postgres.convertException(socketError(code, errno)))).toBe(kind);
      expect(databaseOutage(mysql.convertException(socketError(code, errno)))).toBe(kind);
    });
  });

  describe('SQLite (better-sqlite3)', () => {
    it.each([
      ['SQLITE_CANTOPEN', 'unable to open database file'],
      ['SQLITE_IOERR_READ', 'disk I/O error'],
    ])('reads %s as unreachable', (code, message) => {
      expect(databaseOutage(sqlite.convertException(driverError(message, { code })))).toBe(
        'unreachable',
      );
    });

    it.each([
      ['SQLITE_BUSY', 'database is locked'],
      ['SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: user.email'],
    ])('leaves %s alone', (code, message) => {
      expect(databaseOutage(sqlite.convertException(driverError(message, { code })))).toBe(
        undefined,
      );
    });
  });

  it.each([undefined, null, 'ECONNREFUSED', 42, new Error('anything else')])(
    'says nothing of %p',
    (value) => {
      expect(databaseOutage(value)).toBe(undefined);
    },
  );

  it('stops following causes that loop', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(databaseOutage(a)).toBe(undefined);
  });
});
