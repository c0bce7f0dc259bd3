import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { describeForLog, driverMessage, uniqueField } from './all-exceptions.filter';

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
