import { type INestApplication, type NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';

/**
 * Options for creating the app. Nest's own body parser is off: `JsonBodyMiddleware` parses
 * bodies so that its errors (413, 415, malformed JSON) reach the error filter as JSON.
 */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false };

/**
 * Everything that configures the app beyond its modules. `main.ts` and the e2e tests both call
 * this, so the tests exercise exactly what production runs.
 */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  (app.getHttpAdapter().getInstance() as Express).disable('x-powered-by');
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}

/** OpenAPI document from the controllers and DTOs: UI at /docs, JSON at /docs-json. */
function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('microblog-nest')
    .setDescription('Users who write short posts. Errors are `{ statusCode, error, message }`.')
    .setVersion('1.0')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
  });
}
