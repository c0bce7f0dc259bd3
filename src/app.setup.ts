import { type INestApplication, ValidationPipe } from '@nestjs/common';

/**
 * Everything that configures the app beyond its modules. `main.ts` and the e2e tests both call
 * this, so the tests exercise exactly what production runs.
 */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.enableShutdownHooks();
  return app;
}
