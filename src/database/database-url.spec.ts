import {
  DatabaseUrlError,
  MAX_REPLICAS,
  maskUrl,
  parseDatabaseUrl,
  parseReplicaUrls,
} from './database-url';

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

  it('rejects a value of more than one line, without showing it', () => {
    const url = 'Removed stale pid file.\npostgresql://bob:hunter2@localhost:5434/postgres';
    expect(() => parseDatabaseUrl(url, root)).toThrow(
      /^DATABASE_URL holds a line break: one URL or file path expected; accepted forms: [^\n]*$/,
    );
    expect(() => parseDatabaseUrl(url, root)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
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

describe('parseReplicaUrls', () => {
  const primary = parseDatabaseUrl('postgresql://app:pw@db-primary:5432/microblog', '/srv');

  it.each([undefined, '', '  '])('is none when unset (%j)', (value) => {
    expect(parseReplicaUrls(value, primary)).toEqual([]);
    expect(parseReplicaUrls(value, parseDatabaseUrl(undefined, '/srv'))).toEqual([]);
  });

  it('names each replica by its place in the list', () => {
    expect(
      parseReplicaUrls(
        ' postgresql://app:s3cret@10.0.0.2:6432/microblog ,postgres://app@replica-b/microblog',
        primary,
      ),
    ).toEqual([
      {
        name: 'replica-1',
        driver: 'postgresql',
        clientUrl: 'postgresql://app:s3cret@10.0.0.2:6432/microblog',
        host: '10.0.0.2',
        port: 6432,
        dbName: 'microblog',
      },
      {
        name: 'replica-2',
        driver: 'postgresql',
        clientUrl: 'postgres://app@replica-b/microblog',
        host: 'replica-b',
        port: 5432,
        dbName: 'microblog',
      },
    ]);
  });

  it.each([
    ['sqlite:///app.db', /DATABASE_URL is SQLite: read replicas are PostgreSQL streaming replicas/],
    ['mysql://root@db/app', /DATABASE_URL is mysql/],
  ])('refuses replicas of %s', (primaryUrl, message) => {
    const target = parseDatabaseUrl(primaryUrl, '/srv');
    expect(() => parseReplicaUrls('postgresql://u@r/app', target)).toThrow(DatabaseUrlError);
    expect(() => parseReplicaUrls('postgresql://u@r/app', target)).toThrow(message);
  });

  it('refuses more than MAX_REPLICAS', () => {
    const urls = Array.from({ length: MAX_REPLICAS + 1 }, (_, i) => `postgresql://a@r${i}/db`);
    expect(parseReplicaUrls(urls.slice(1).join(','), primary)).toHaveLength(MAX_REPLICAS);
    expect(() => parseReplicaUrls(urls.join(','), primary)).toThrow(
      `DATABASE_REPLICA_URLS lists ${MAX_REPLICAS + 1} replicas; at most ${MAX_REPLICAS}`,
    );
  });

  it.each([
    [
      'mariadb://app:hunter2@r1/microblog',
      /^DATABASE_REPLICA_URLS \(replica-1, mariadb:\/\/r1\/microblog\): not a PostgreSQL URL/,
    ],
    ['postgresql://a@r1/db,,postgresql://a@r3/db', /\(replica-2\): empty entry/],
    [
      'postgresql://app:hunter2@r1',
      /\(replica-1, postgresql:\/\/r1\): a server URL needs a host and a database name/,
    ],
    ['app:hunter2@r1/microblog', /\(replica-1\): not a PostgreSQL URL/],
    ['hunter2', /\(replica-1\): not a PostgreSQL URL/],
  ])('refuses %s in one line, without its password', (value, message) => {
    expect(() => parseReplicaUrls(value, primary)).toThrow(message);
    expect(() => parseReplicaUrls(value, primary)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
