import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { pino, type Logger as PinoLogger } from 'pino';
import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_OPTIONS, configureApp } from './app.setup';
import { runPrimary } from './cluster';
import { gracefulClose } from './common/http/graceful-close';
import { PRETTY_OPTIONS, prettyLogs } from './common/logging/logging.module';
import { type Environment, loadEnvironment } from './config/environment';
import { describeTarget, parseDatabaseUrl } from './database/database-url';
import { PROJECT_ROOT } from './database/project-root';
import { relayRecentWriters } from './database/replicas/recent-writers';

async function bootstrap({ PORT, DATABASE_URL, SHUTDOWN_TIMEOUT }: Environment): Promise<void> {
  const target = parseDatabaseUrl(DATABASE_URL, PROJECT_ROOT);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AppModule } = require('./app.module') as typeof import('./app.module');
  // Start-up logs are held back until the app is up, so that a failure (say, a database server
  // that is down: DatabaseModule reaches it while the modules initialize) ends in the one line
  // printed below rather than a stack trace.
  const app = await NestFactory.create(AppModule, {
    ...APP_OPTIONS,
    abortOnError: false,
    bufferLogs: true,
    autoFlushLogs: false,
  });
  configureApp(app);
  await app.init().catch(async (err: unknown) => {
    await app.close().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot start on ${describeTarget(target)}: ${reason}`);
  });
  app.flushLogs();
  closeOnSignals(app, SHUTDOWN_TIMEOUT);
  await app.listen(PORT);
  new Logger('Bootstrap').log(`Listening on ${await app.getUrl()}`);
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let the requests in flight finish (and end
 * keep-alive connections after them, see `gracefulClose`), then close the modules and the
 * database, and exit 0. (Nest's own shutdown hooks would destroy the modules before closing the
 * server, under requests still running, and end the process by re-raising the signal.) If that
 * takes longer than `timeoutMs`, exit 1 anyway; a second signal kills the process at once.
 */
function closeOnSignals(app: INestApplication, timeoutMs: number): void {
  const logger = new Logger('Shutdown');
  const closeServer = gracefulClose(app.getHttpServer() as Server);
  const close = async (signal: NodeJS.Signals | 'disconnect'): Promise<void> => {
    process.removeAllListeners('SIGTERM').removeAllListeners('SIGINT');
    logger.log(`${signal}: finishing requests in flight, then closing`);
    setTimeout(() => {
      logger.error(`Requests still in flight after ${timeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, timeoutMs).unref();
    await closeServer();
    await app.close();
    logger.log('Closed: requests finished, database connection closed');
    process.exit(0);
  };
  const onSignal = (signal: NodeJS.Signals | 'disconnect'): void => {
    close(signal).catch((err: unknown) => {
      logger.error(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
  };
  if (cluster.isWorker) {
    // The primary decides when workers stop (see runPrimary): SIGTERM from it, or its end. A
    // Ctrl-C reaches every process of the terminal's group; the primary handles it for all.
    process.once('SIGTERM', onSignal).on('SIGINT', () => undefined);
    process.once('disconnect', () => onSignal('disconnect'));
  } else {
    process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  }
}

/** The primary's log lines: pino, like the app's, written synchronously (it exits at once). */
function primaryLogger({ LOG_LEVEL, LOG_FORMAT }: Environment): PinoLogger {
  const base = { level: LOG_LEVEL, base: { pid: process.pid, context: 'Cluster' } };
  if (!prettyLogs(LOG_FORMAT)) {
    return pino(base, pino.destination({ sync: true }));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pino(base, pretty({ ...PRETTY_OPTIONS, sync: true }));
}

function main(): void {
  // A bad variable (e.g. an unsupported DATABASE_URL) stops the process with one line, before
  // the app module (whose ConfigModule validates the same way) is even loaded.
  const env = loadEnvironment();
  if (env.WEB_CONCURRENCY > 1 && cluster.isPrimary) {
    // Without Redis, the workers tell each other who just wrote (read-your-writes) through here.
    relayRecentWriters(cluster, env.READ_YOUR_WRITES_WINDOW);
    runPrimary({
      workers: env.WEB_CONCURRENCY,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
      // Without JWT_SECRET (development), each process would sign with a key of its own and
      // refuse the other workers' tokens: the workers share one, made here, for this run.
      env: env.JWT_SECRET ? {} : { JWT_SECRET: randomBytes(32).toString('base64url') },
      log: primaryLogger(env),
    });
    return;
  }
  bootstrap(env).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
    // A worker's channel to the primary would keep it running; the primary sees it exit.
    cluster.worker?.disconnect();
  });
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
