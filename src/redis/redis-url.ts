/** A Redis server, as `REDIS_URL` names it. */
export interface RedisTarget {
  /** The URL as given, for the client (it holds the password, if any). */
  url: string;
  /** `redis://host:port/db` without user or password, for logs and messages. */
  description: string;
}

export const ACCEPTED_REDIS_URLS =
  'redis://[[user]:password@]host[:port][/db], or rediss:// for TLS (port 6379, db 0 by default)';

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

/**
 * Checks `REDIS_URL`: a `redis://` or `rediss://` URL with a host, and at most a database
 * number as its path. Query options are refused, since the client would read them as settings.
 * A message about the URL shows its scheme, host, port and path, never its user or password.
 */
export function parseRedisUrl(value: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // Not even a URL: nothing of it can be shown safely (a password may be anywhere in it).
    throw new RedisUrlError(`REDIS_URL: not a valid URL; accepted forms: ${ACCEPTED_REDIS_URLS}`);
  }
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  const invalid = (reason: string) =>
    new RedisUrlError(`REDIS_URL=${shown}: ${reason}; accepted forms: ${ACCEPTED_REDIS_URLS}`);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw invalid(`unsupported scheme "${parsed.protocol}"`);
  }
  if (!parsed.hostname) {
    throw invalid('no host');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(db)) {
    throw invalid('the path can only be a database number');
  }
  if (parsed.search || parsed.hash) {
    throw invalid('no query string or fragment');
  }
  return {
    url: value,
    description: `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}/${Number(db)}`,
  };
}
