import { DatabaseUrlError, maskUrl, parseDatabaseUrl } from './database-url';

describe('parseDatabaseUrl', () => {
  const root = '/srv/microblog';

  it.each([undefined, '', '   '])('uses app.db in the project root when unset (%j)', (url) => {
    expect(parseDatabaseUrl(url, root)).toEqual({
      driver: 'sqlite',
      dbName: '/srv/microblog/app.db',
    });
  });

  it.each([
    ['sqlite:///data/dev.db', '/srv/microblog/data/dev.db'],
    ['sqlite:////var/lib/microblog.db', '/var/lib/microblog.db'],
    ['sqlite:///my%20db.db', '/srv/microblog/my db.db'],
    ['sqlite::memory:', ':memory:'],
    [':memory:', ':memory:'],
    ['local.db', '/srv/microblog/local.db'],
    ['./var/local.db', '/srv/microblog/var/local.db'],
    ['/tmp/abs.db', '/tmp/abs.db'],
  ])('accepts %s', (url, dbName) => {
    expect(parseDatabaseUrl(url, root)).toEqual({ driver: 'sqlite', dbName });
  });

  it.each(['ftp://example.com/x.db', 'redis://localhost:6379', 'mongodb://h/db'])(
    'rejects the unsupported scheme of %s in one line naming the variable',
    (url) => {
      expect(() => parseDatabaseUrl(url, root)).toThrow(DatabaseUrlError);
      expect(() => parseDatabaseUrl(url, root)).toThrow(
        /^DATABASE_URL=.*: unsupported scheme ".*:"; accepted forms: sqlite:\/\/\/.*mariadb:\/\/[^\n]*$/,
      );
    },
  );

  it.each([
    ['postgresql://bob:pw@db.internal:6543/app', 'postgresql', 'db.internal', 6543, 'app'],
    ['postgres://bob@localhost/app', 'postgresql', 'localhost', 5432, 'app'],
    ['mysql://root@127.0.0.1/app', 'mysql', '127.0.0.1', 3306, 'app'],
    ['mariadb://root:x@10.0.0.5:3307/my%20db', 'mariadb', '10.0.0.5', 3307, 'my db'],
  ])('selects the server driver for %s', (url, driver, host, port, dbName) => {
    expect(parseDatabaseUrl(url, root)).toEqual({ driver, clientUrl: url, host, port, dbName });
  });

  it.each([
    'postgresql://localhost',
    'postgresql://localhost/',
    'mysql:///app',
    'postgres://h/a/b',
  ])('rejects the server URL %s without a host or database name', (url) => {
    expect(() => parseDatabaseUrl(url, root)).toThrow(/needs a host and a database name/);
  });

  it('rejects a sqlite URL without a path', () => {
    expect(() => parseDatabaseUrl('sqlite://', root)).toThrow(/needs a path/);
  });

  it.each(['ftp://bob:hunter2@host/db', 'postgresql://bob:hunter2@host'])(
    'never echoes the password of %s',
    (url) => {
      expect(() => parseDatabaseUrl(url, root)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
      );
    },
  );
});

describe('maskUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(maskUrl('postgresql://bob:s3cr%40t@db:5432/app')).toBe(
      'postgresql://bob:***@db:5432/app',
    );
    expect(maskUrl('mysql://root@localhost/app')).toBe('mysql://root@localhost/app');
    expect(maskUrl('sqlite:///app.db')).toBe('sqlite:///app.db');
  });
});
