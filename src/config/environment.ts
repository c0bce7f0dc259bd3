import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MinLength, Min, validateSync } from 'class-validator';
import { parseDatabaseUrl } from '../database/database-url';
import { PROJECT_ROOT } from '../database/project-root';

/** The environment variables the app reads (from the process or from `.env`). */
export class Environment {
  /** HTTP port. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Which database to use; unset means the SQLite file `app.db` in the project root. */
  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  /**
   * Key that signs pagination cursors, so that an altered cursor is refused. Cursors only say
   * where a page starts, so the built-in default is safe; set your own so that cursors stay
   * valid across instances that share it and are refused by instances that do not.
   */
  @IsOptional()
  @IsString()
  @MinLength(16)
  CURSOR_SECRET: string = 'microblog-nest default cursor key';
}

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
        `${e.property}=${String(raw[e.property])}: ${Object.values(e.constraints ?? {}).join(', ')}`,
    );
    throw new EnvironmentError(`Invalid environment: ${details.join('; ')}`);
  }
  parseDatabaseUrl(env.DATABASE_URL, PROJECT_ROOT);
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
