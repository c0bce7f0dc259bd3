import {
  ConnectionException,
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import type { ArgumentsHost } from '@nestjs/common';
import { BadRequestException, Logger } from '@nestjs/common';
import {
  AllExceptionsFilter,
  describeForLog,
  driverMessage,
  MAX_MESSAGE_LENGTH,
  messageOf,
  uniqueField,
} from './all-exceptions.filter';

/** A unique violation as MikroORM raises it: the SQL, with values, before the driver's text. */
function violation(message: string, extra: Record<string, unknown> = {}) {
  return new UniqueConstraintViolationException(Object.assign(new Error(message), extra));
}

describe('uniqueField', () => {
  it.each([
    ['insert into `user` ... - UNIQUE constraint failed: user.username', 'username'],
    ['insert into `user` ... - UNIQUE constraint failed: user.email', 'email'],
    [
      'insert into "user" ... - duplicate key value violates unique constraint "ix_user_email"',
      'email',
    ],
    ["insert into `user` ... - Duplicate entry 'john' for key 'ix_user_username'", 'username'],
    ["insert ... - Duplicate entry 'x' for key 'user.ix_user_email'", 'email'],
  ])('reads the constraint from %s', (message, field) => {
    expect(uniqueField(violation(message))).toBe(field);
  });

  it('uses the constraint PostgreSQL names, and drops its detail line with the value', () => {
    const err = violation(
      'insert ... - duplicate key value violates unique constraint "ix_user_username"\n - detail: Key (username)=(a) already exists.',
      { constraint: 'ix_user_username' },
    );
    expect(uniqueField(err)).toBe('username');
    expect(driverMessage(err)).toBe(
      'duplicate key value violates unique constraint "ix_user_username"',
    );
  });

  it('is not fooled by values that look like constraint names', () => {
    const sql =
      "insert into `user` (`username`, `email`) values ('ix_user_email', 'user.username')";
    expect(uniqueField(violation(`${sql} - UNIQUE constraint failed: user.email`))).toBe('email');
    expect(
      uniqueField(
        violation(`${sql} - Duplicate entry 'ix_user_email' for key 'ix_user_username'`, {
          sqlMessage: "Duplicate entry 'ix_user_email' for key 'ix_user_username'",
        }),
      ),
    ).toBe('username');
  });
});

describe('describeForLog', () => {
  it('keeps the driver message and stack frames but drops the SQL and its values', () => {
    const err = violation(
      "update `user` set `password_hash` = 'scrypt$ln=15,r=8,p=1$salt$key' - NOT NULL constraint failed: user.email",
    );
    const logged = describeForLog(err);
    expect(logged).toMatch(/^UniqueConstraintViolationException: NOT NULL constraint failed/);
    expect(logged).toContain('    at ');
    expect(logged).not.toContain('scrypt$');
    expect(driverMessage(err)).toBe('NOT NULL constraint failed: user.email');
  });

  it('prefers MySQL/MariaDB sqlMessage, which carries no SQL', () => {
    const err = Object.assign(new Error("insert ... 'secret' - x - parameters:['secret']"), {
      sqlMessage: 'Data too long',
    });
    expect(describeForLog(err).split('\n')[0]).toBe('Error: Data too long');
  });
});

/** Runs the filter on `exception` for a POST /posts and returns what it sent. */
function respond(exception: unknown) {
  const sent = { status: 0, body: undefined as unknown, headers: {} as Record<string, string> };
  const response = {
    headersSent: false,
    hasHeader: (name: string) => name in sent.headers,
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json: (body: unknown) => (sent.body = body),
  };
  const request = { method: 'POST', originalUrl: '/posts?x=1' };
  const host = {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return sent;
}

describe('AllExceptionsFilter', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['a lock wait timeout', new LockWaitTimeoutException(new Error('database is locked'))],
    ['a deadlock', new DeadlockException(new Error('deadlock detected'))],
  ])('answers %s with a 503 the client may retry after a second', (_name, exception) => {
    expect(respond(exception)).toEqual({
      status: 503,
      headers: { 'Retry-After': '1' },
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the database is busy; retry the request',
      },
    });
  });

  it.each([
    [
      'PostgreSQL shutting down under a query (57P01, as MikroORM converts it)',
      new DriverException(
        Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        }),
      ),
    ],
    [
      'a commit whose connection closed (unconverted, as Kysely raises it)',
      new Error('Connection terminated unexpectedly'),
    ],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'PostgreSQL starting up (57P03)',
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ],
    [
      'MariaDB gone (PROTOCOL_CONNECTION_LOST)',
      Object.assign(new Error('Connection lost: The server closed the connection.'), {
        code: 'PROTOCOL_CONNECTION_LOST',
        fatal: true,
      }),
    ],
  ])('answers %s with a 503 to retry after 3 s, never a 500', (_name, exception) => {
    expect(respond(exception)).toEqual({
      status: 503,
      headers: { 'Retry-After': '3' },
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the database is unavailable; retry the request',
      },
    });
    expect(Logger.prototype.error).not.toHaveBeenCalled();
    expect(Logger.prototype.warn).toHaveBeenCalledTimes(1);
  });

  it('logs an outage in one warn line, without the SQL, its values or the URL', () => {
    const err = new DriverException(
      Object.assign(
        new Error(
          'insert into "user" ("password_hash") values (\'$argon2id$v=19$secret\') - terminating connection due to administrator command',
        ),
        { code: '57P01' },
      ),
    );
    respond(err);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      'POST /posts: the database is gone (DriverException: 57P01: terminating connection due to administrator command)',
    );
  });

  it('leaves a refused login to the database a 500: a configuration error is no outage', () => {
    const err = new ConnectionException(
      Object.assign(new Error("Access denied for user 'app'"), { errno: 1045 }),
    );
    expect(respond(err).status).toBe(500);
  });

  it('answers anything unexpected with a 500 that says nothing of the cause', () => {
    const sent = respond(new Error('insert into `user` ... secret'));
    expect(sent).toEqual({
      status: 500,
      headers: {},
      body: { statusCode: 500, error: 'Internal Server Error', message: 'internal server error' },
    });
    expect(Logger.prototype.error).toHaveBeenCalledWith('POST /posts failed', expect.any(String));
  });
});

describe('messageOf', () => {
  it('joins validation problems into one message', () => {
    expect(messageOf(new BadRequestException(['a is bad', 'b is bad']))).toBe('a is bad; b is bad');
  });

  it('lists the first five problems of many, and counts the rest', () => {
    const problems = Array.from({ length: 1000 }, (_, i) => `property p${i} should not exist`);
    expect(messageOf(new BadRequestException(problems))).toBe(
      `${problems.slice(0, 5).join('; ')}; and 995 more`,
    );
  });

  it('cuts a message that quotes something long the client sent', () => {
    const message = messageOf(new BadRequestException(`property ${'x'.repeat(10_000)} is bad`));
    expect(message).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(message).toMatch(/^property x+…$/);
  });
});
