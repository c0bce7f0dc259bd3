import type { Server } from 'node:http';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter, UNAVAILABLE_MESSAGE } from './common/errors/all-exceptions.filter';
import { errorResponse } from './common/errors/api-errors.decorator';
import { tagJsonBeforeSending } from './common/http/json-etag';
import { DOCS_ROUTE, securityHeaders } from './common/http/security-headers';
import { DtoValidationPipe } from './common/validation/dto-validation.pipe';
import type { Environment } from './config/environment';

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
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  app.useLogger(app.get(Logger));

  const express = app.getHttpAdapter().getInstance() as Express;
  express.disable('x-powered-by');
  express.set('trust proxy', trustProxy(config.get('TRUST_PROXY', { infer: true })));
  tagJsonBeforeSending(express);
  app.use(securityHeaders());
  limitRequestTime(app.getHttpServer() as Server, config.get('REQUEST_TIMEOUT', { infer: true }));

  app.useGlobalPipes(
    new DtoValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  setUpOpenApi(app);
  return app;
}

/** `TRUST_PROXY` as express reads it: a hop count, true/false, or addresses and subnets. */
export function trustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') {
    return false;
  }
  if (value === 'true') {
    return true;
  }
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * A client must send a whole request within `ms` (Node answers 408 otherwise), and a connection
 * on which nothing moves for `ms` is closed, so slow or stalled clients cannot pile up sockets.
 */
function limitRequestTime(server: Server, ms: number): void {
  server.requestTimeout = ms;
  server.headersTimeout = ms;
  server.setTimeout(ms);
}

/** The OpenAPI document, served at /docs (UI) and /docs-json. */
function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_ROUTE, app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_ROUTE}-json`,
  });
}

/**
 * The OpenAPI document of the app's controllers and DTOs: what `/docs-json` serves, and what
 * `npm run openapi` writes (`src/console/openapi.ts`) for Spectral to lint.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('microblog-nest')
    .setDescription(
      'Users who write short posts. Sign in at `POST /auth/login` and send the access token as ' +
        '`Authorization: Bearer <token>`. Errors are `{ statusCode, error, message }`.',
    )
    .setVersion('1.0')
    .addTag('auth', 'Sign in, refresh the tokens, sign out')
    .addTag('users', 'Accounts: sign up, profiles, your own account')
    .addTag('posts', 'Short posts: anyone reads them, their author changes them')
    .addTag('health', 'Whether the app and its database are up')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'The `accessToken` of `POST /auth/login` or `POST /auth/refresh`: a JWT (RFC 9068 ' +
        'access token, `typ` `at+jwt`) following the RFC8725 best practices: HS256 only (no ' +
        '`alg: none`, no other algorithm), explicit type, issuer and audience checked, and ' +
        'valid for at most an hour. Its session can be ended before then (`POST /auth/logout`).',
    })
    // Any operation can fail unexpectedly; the error filter answers that as a 500 like any other.
    .addGlobalResponse(errorResponse(500))
    // Any operation that reaches the database is a 503 while it is unreachable or restarting.
    .addGlobalResponse(errorResponse(503, UNAVAILABLE_MESSAGE))
    .build();
  return SwaggerModule.createDocument(app, config);
}
