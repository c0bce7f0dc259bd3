import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_OPTIONS, configureApp } from './app.setup';
import { loadEnvironment } from './config/environment';

async function bootstrap(): Promise<void> {
  // A bad variable (e.g. an unsupported DATABASE_URL) stops the process with one line, before
  // the app module (whose ConfigModule validates the same way) is even loaded.
  const { PORT } = loadEnvironment();
  const { AppModule } = await import('./app.module');
  const app = configureApp(
    await NestFactory.create(AppModule, { ...APP_OPTIONS, abortOnError: false }),
  );
  await app.listen(PORT);
  new Logger('Bootstrap').log(`Listening on ${await app.getUrl()}`);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
