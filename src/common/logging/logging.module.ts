import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Environment, LogFormat } from '../../config/environment';

/** A request id a client or proxy may pass in `X-Request-Id`; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/**
 * The request's id: the caller's `X-Request-Id` when it is a plain token (so one id follows a
 * request through a proxy), a new UUID otherwise. It goes back in the response's `X-Request-Id`
 * and into every log line written while the request is handled.
 */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Whether log lines are printed for people (pino-pretty: one colored line each) rather than as
 * JSON: asked for, or `auto` on a terminal outside production. pino-pretty is a development
 * dependency, so a production install without it keeps JSON.
 */
export function prettyLogs(
  format: LogFormat,
  { isTTY = process.stdout.isTTY, nodeEnv = process.env.NODE_ENV } = {},
): boolean {
  const wanted =
    format === 'pretty' || (format === 'auto' && isTTY === true && nodeEnv !== 'production');
  return wanted && installed('pino-pretty');
}

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** pino's level and output for `LOG_LEVEL` and `LOG_FORMAT`. */
export function pinoOutput(level: string, format: LogFormat) {
  return {
    level,
    ...(prettyLogs(format) && { transport: { target: 'pino-pretty', options: PRETTY_OPTIONS } }),
  };
}

/** pino-pretty's settings: one line per entry, the local time to the millisecond. */
export const PRETTY_OPTIONS = {
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname',
};

/** Levels at which the one-line-per-request log is written. */
const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

/** The request as pino-http hands it to the serializer: express's, with pino-http's id. */
type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

/**
 * pino-http's settings: one line per request with its id, method, path (no query string),
 * status and duration (`ms`), at `info`; above that level the lines are not even assembled.
 * No headers, query string or body.
 *
 * The serializers get the request and response themselves (`wrapSerializers: false`).
 * pino-http would otherwise first copy each request into pino-std-serializers' record (headers,
 * remote address, query...), only for `req` below to keep three fields of it: it does that for
 * every request, when it creates the request's child logger, whether anything is logged or not
 * (bench/README.md, "Per-request cost").
 */
export function requestLogOptions(level: string, format: LogFormat) {
  return {
    ...pinoOutput(level, format),
    autoLogging: REQUEST_LOG_LEVELS.has(level),
    genReqId: requestId,
    customAttributeKeys: { responseTime: 'ms' },
    wrapSerializers: false,
    serializers: {
      // express rewrites req.url while routing; originalUrl is the path the client asked for.
      req: (req: LoggedRequest) => ({
        id: req.id,
        method: req.method,
        path: (req.originalUrl ?? req.url ?? '').split('?')[0],
      }),
      res: (res: ServerResponse) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : 'info',
    // For a 5xx pino-http makes up an error whose stack is its own; the exception filter has
    // already logged the real cause under the same request id.
    customErrorObject: (
      _req: IncomingMessage,
      _res: ServerResponse,
      _err: Error,
      line: Record<string, unknown>,
    ) => ({ ...line, err: undefined }),
  };
}

/**
 * Structured logs through pino: Nest's own messages, and one line per request
 * (`requestLogOptions`). JSON, or readable lines while developing (see `prettyLogs`).
 * `LOG_LEVEL` sets the threshold (`silent` in tests); a 5xx gets its `error` line from the
 * exception filter, with the request's id, at any level.
 */
export const LoggingModule = LoggerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>) => ({
    pinoHttp: requestLogOptions(
      config.get('LOG_LEVEL', { infer: true }),
      config.get('LOG_FORMAT', { infer: true }),
    ),
  }),
});
