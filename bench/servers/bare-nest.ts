/**
 * Framework floor with Nest: one controller on the express adapter, no database, no global
 * pipes or filters. Compared with bare-express.ts it shows what Nest itself costs per request.
 * Environment: PORT.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HELLO } from './hello';

@Controller()
class HelloController {
  @Get('hello')
  hello(): typeof HELLO {
    return HELLO;
  }
}

@Module({ controllers: [HelloController] })
class BareModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: ['warn', 'error'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT));
}

void bootstrap();
