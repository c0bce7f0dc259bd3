import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_OPTIONS, configureApp } from './app.setup';
import { loadEnvironment } from './config/environment';
import { describeTarget, parseDatabaseUrl } from './database/database-url';
import { PROJECT_ROOT } from './database/project-root';

async function bootstrap(): Promise<void> {
  // A bad variable (e.g. an unsupported DATABASE_URL) stops the process with one line, before
  // the app module (whose ConfigModule validates the same way) is even loaded.
  const { PORT, DATABASE_URL } = loadEnvironment();
  const target = parseDatabaseUrl(DATABASE_URL, PROJECT_ROOT);
  const { AppModule } = await import('./app.module');
  // Start-up logs are held back until the app is up, so that a failure (say, a database server
  // that is down) ends in the one line printed below rather than a stack trace.
  const app = await NestFactory.create(AppModule, {
    ...APP_OPTIONS,
    abortOnError: false,
    bufferLogs: true,
    autoFlushLogs: false,
  }).catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot start on ${describeTarget(target)}: ${reason}`);
  });
  app.flushLogs();
  configureApp(app);
  await app.listen(PORT);
  new Logger('Bootstrap').log(`Listening on ${await app.getUrl()}`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
