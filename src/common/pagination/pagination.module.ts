import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { CURSOR_SECRET, CursorCodec } from './cursor-codec';

@Global()
@Module({
  providers: [
    {
      provide: CURSOR_SECRET,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        config.getOrThrow<string>('CURSOR_SECRET'),
    },
    CursorCodec,
  ],
  exports: [CursorCodec],
})
export class PaginationModule {}
