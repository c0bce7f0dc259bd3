import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MinLength,
  Min,
  validateSync,
} from 'class-validator';
import { parseDatabaseUrl, parseReplicaUrls } from '../database/database-url';
import { PROJECT_ROOT } from '../database/project-root';
import { maxStaleness } from '../database/replicas/replica-timing';
import { parseRedisUrl } from '../redis/redis-url';

/** pino's levels; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How log lines look: `auto` is readable text on a terminal in development, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The shortest `JWT_SECRET` accepted (HS256 wants a key of at least 256 bits). */
export const JWT_SECRET_MIN_LENGTH = 32;

/**
 * The longest rate-limit window, in seconds (a day). Every address and account counted is kept
 * (in memory or in Redis) for its window: a window of months would keep them all that long, to
 * limit what a day already limits.
 */
export const MAX_RATE_WINDOW = 86_400;

/** The most worker processes `WEB_CONCURRENCY` asks for: past the cores, they only contend. */
export const MAX_WORKERS = 64;

/** `auto` is the cores this process may use; digits are a number; anything else stays. */
function parseConcurrency(value: unknown): unknown {
  if (value === 'auto') {
    return Math.min(availableParallelism(), MAX_WORKERS);
  }
  return typeof value === 'string' && /^[1-9][0-9]{0,2}$/.test(value) ? Number(value) : value;
}

/** The environment variables the app reads (from the process or from `.env`). */
export class Environment {
  /** HTTP port. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /**
   * Worker processes serving `PORT` (node:cluster): a number, or `auto` for one per available
   * core. 1 (the default) serves from this process alone.
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => parseConcurrency(value))
  @IsInt({ message: `WEB_CONCURRENCY must be auto or an integer from 1 to ${MAX_WORKERS}` })
  @Min(1, { message: `WEB_CONCURRENCY must be auto or an integer from 1 to ${MAX_WORKERS}` })
  @Max(MAX_WORKERS, {
    message: `WEB_CONCURRENCY must be auto or an integer from 1 to ${MAX_WORKERS}`,
  })
  WEB_CONCURRENCY: number = 1;

  /** Which database to use; unset means the SQLite file `app.db` in the project root. */
  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  /**
   * Read replicas of a PostgreSQL `DATABASE_URL`: comma-separated URLs of its streaming
   * replicas. Public GETs read from them; writes and everything else use the primary.
   */
  @IsOptional()
  @IsString()
  DATABASE_REPLICA_URLS?: string;

  /**
   * Milliseconds a replica may lag behind the primary and still serve reads; past it, its reads
   * go to the primary (or another replica) until it catches up.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  REPLICA_MAX_LAG: number = 2000;

  /**
   * Milliseconds after a write during which the signed-in user who made it reads from the
   * primary, so that they see it; longer than `REPLICA_MAX_LAG` plus a probe's two seconds.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  READ_YOUR_WRITES_WINDOW: number = 5000;

  /**
   * Key that signs pagination cursors, so that an altered cursor is refused. Cursors only say
   * where a page starts, so the built-in default is safe; set your own so that cursors stay
   * valid across instances that share it and are refused by instances that do not.
   */
  @IsOptional()
  @IsString()
  @MinLength(16)
  CURSOR_SECRET: string = 'microblog-nest default cursor key';

  /** Least severe level logged: one JSON line per request at `info`, errors only at `error`. */
  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /**
   * `json`: one JSON object per line (for log collectors); `pretty`: readable colored lines;
   * `auto`: pretty when stdout is a terminal and NODE_ENV is not `production`, JSON otherwise.
   */
  @IsOptional()
  @IsIn(LOG_FORMATS)
  LOG_FORMAT: LogFormat = 'auto';

  /** Accounts one client address may create per `SIGNUP_RATE_WINDOW`; 0 turns the limit off. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SIGNUP_RATE_LIMIT: number = 10;

  /** The window of `SIGNUP_RATE_LIMIT`, in seconds: 1 to `MAX_RATE_WINDOW` (a day). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_WINDOW)
  SIGNUP_RATE_WINDOW: number = 600;

  /**
   * Express's `trust proxy` setting, for a server behind a reverse proxy: which hops'
   * `X-Forwarded-For` to believe, so that rate limits apply to the client and not to the proxy
   * (e.g. `loopback`, `1`, `10.0.0.0/8`). Unset: the address that connected is the client.
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /**
   * Milliseconds a client gets to send a whole request (headers and body) before the server
   * answers 408 and closes the connection, so that slow clients cannot hold connections open.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  REQUEST_TIMEOUT: number = 10_000;

  /** Milliseconds that shutdown waits for requests in flight before the process exits anyway. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT: number = 10_000;

  /**
   * The key that signs access tokens (HS256), 32+ characters; required when
   * NODE_ENV=production. Unset elsewhere, each process makes a random one (tokens then end with
   * the process, and instances do not accept each other's).
   */
  @IsOptional()
  @IsString()
  @MinLength(JWT_SECRET_MIN_LENGTH)
  JWT_SECRET?: string;

  /** Access token lifetime in seconds: 15 minutes, at most an hour. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(3600)
  ACCESS_TOKEN_TTL: number = 900;

  /** Refresh token lifetime in seconds (30 days); every refresh starts a new one. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  REFRESH_TOKEN_TTL: number = 30 * 24 * 3600;

  /** Sign-in attempts per client address, and per account, per window; 0 turns it off. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  LOGIN_RATE_LIMIT: number = 10;

  /** The window of `LOGIN_RATE_LIMIT`, in seconds: 1 to `MAX_RATE_WINDOW` (a day). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_WINDOW)
  LOGIN_RATE_WINDOW: number = 900;

  /**
   * The Redis that keeps the rate-limit counters, shared by every process and instance:
   * `redis://` or `rediss://`, with an optional password and database number. Unset, each
   * process counts in its own memory.
   */
  @IsOptional()
  @IsString()
  REDIS_URL?: string;
}

/**
 * Variables whose values are never shown, not even in a validation error. (`REDIS_URL` may hold a
 * password: its own check shows the host only.)
 */
const SECRET_VARIABLES = new Set([
  'JWT_SECRET',
  'CURSOR_SECRET',
  'REDIS_URL',
  'DATABASE_REPLICA_URLS',
]);

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** Validates and types the environment; throws a one-line error naming the variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  // An empty variable (PORT=) means "not set", not 0 or "".
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const env = plainToInstance(Environment, given, { exposeDefaultValues: true });
  const errors = validateSync(env);
  if (errors.length > 0) {
    const details = errors.map(
      (e) =>
        `${e.property}=${SECRET_VARIABLES.has(e.property) ? '<hidden>' : String(raw[e.property])}: ` +
        Object.values(e.constraints ?? {}).join(', '),
    );
    throw new EnvironmentError(`Invalid environment: ${details.join('; ')}`);
  }
  if (raw.NODE_ENV === 'production' && !env.JWT_SECRET) {
    throw new EnvironmentError(
      `Invalid environment: JWT_SECRET is required when NODE_ENV=production ` +
        `(${JWT_SECRET_MIN_LENGTH}+ characters, e.g. \`openssl rand -base64 48\`)`,
    );
  }
  const replicas = parseReplicaUrls(
    env.DATABASE_REPLICA_URLS,
    parseDatabaseUrl(env.DATABASE_URL, PROJECT_ROOT),
  );
  if (replicas.length > 0 && env.READ_YOUR_WRITES_WINDOW <= maxStaleness(env.REPLICA_MAX_LAG)) {
    throw new EnvironmentError(
      `Invalid environment: READ_YOUR_WRITES_WINDOW=${env.READ_YOUR_WRITES_WINDOW} must be ` +
        `longer than the stalest a replica in use can be: REPLICA_MAX_LAG (${env.REPLICA_MAX_LAG}) ` +
        `plus how long a probe's verdict holds (${maxStaleness(0)}), so more than ` +
        `${maxStaleness(env.REPLICA_MAX_LAG)} ms`,
    );
  }
  if (env.REDIS_URL !== undefined) {
    parseRedisUrl(env.REDIS_URL);
  }
  return env;
}

/** Where `.env` is read from: the project root, whatever the current directory. */
export const ENV_FILE = join(PROJECT_ROOT, '.env');

/**
 * Loads `.env` (variables already set in the process win) and validates the result, so that
 * `main.ts` can stop with one line before Nest starts. `ConfigModule` then validates the same way.
 */
export function loadEnvironment(): Environment {
  if (existsSync(ENV_FILE)) {
    process.loadEnvFile(ENV_FILE);
  }
  return validateEnvironment(process.env);
}
