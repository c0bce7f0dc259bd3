import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';

/**
 * Nest's ValidationPipe for what DTOs describe (bodies and query strings), leaving path
 * parameters alone. With `transform` on, the global ValidationPipe would turn the path id "01"
 * (or "1.0", "+1", "0x1") into the number 1 before `ParseIdPipe` saw it, and the route would
 * act on user 1; path parameters stay strings for their own pipes to check.
 */
@Injectable()
export class DtoValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return metadata.type === 'param' ? Promise.resolve(value) : super.transform(value, metadata);
  }
}
