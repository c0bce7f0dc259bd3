import { parseRedisUrl, RedisUrlError } from './redis-url';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/0'],
    ['redis://localhost', 'redis://localhost:6379/0'],
    ['redis://cache.internal:6380/2', 'redis://cache.internal:6380/2'],
    ['redis://:s3cret@cache.internal/1', 'redis://cache.internal:6379/1'],
    ['rediss://microblog:s3cret@cache.example.com:6380/', 'rediss://cache.example.com:6380/0'],
    ['redis://[::1]:6379/3', 'redis://[::1]:6379/3'],
  ])('accepts %s, described as %s', (url, description) => {
    expect(parseRedisUrl(url)).toEqual({ url, description });
  });

  it.each([
    ['http://cache.internal:6379', /unsupported scheme "http:"/],
    ['postgresql://u:p@db/app', /unsupported scheme "postgresql:"/],
    ['redis:///0', /no host/],
    ['redis://cache.internal/app', /the path can only be a database number/],
    ['redis://cache.internal/1/2', /the path can only be a database number/],
    ['redis://cache.internal/1?password=s3cret', /no query string or fragment/],
    ['cache.internal:6379', /unsupported scheme/],
    ['not a url', /not a valid URL/],
  ])('refuses %s in one line naming the variable and the accepted forms', (url, reason) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(url)).toThrow(reason);
    expect(() => parseRedisUrl(url)).toThrow(/^REDIS_URL[=:][^\n]*accepted forms: redis:\/\//);
  });

  it.each([
    'redis://admin:s3cret@cache.internal/app',
    'http://:s3cret@cache.internal',
    'redis://:s3cret@cache.internal/1?x=s3cret',
    'redis://:s3cret@cache.internal:notaport',
    'redis://:s3/cret@cache.internal',
  ])('never shows the user or password of %s', (url) => {
    expect(() => parseRedisUrl(url)).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/s3|admin/) }),
    );
  });
});
