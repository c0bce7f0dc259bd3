import {
  type ArgumentMetadata,
  BadRequestException,
  Injectable,
  ValidationPipe,
} from '@nestjs/common';

/** What a handler that takes a body answers when the request came without one. */
export const BODY_REQUIRED = 'request body must be a JSON object';

/**
 * Nest's ValidationPipe for what DTOs describe (bodies and query strings), leaving path
 * parameters alone. With `transform` on, the global ValidationPipe would turn the path id "01"
 * (or "1.0", "+1", "0x1") into the number 1 before `ParseIdPipe` saw it, and the route would
 * act on user 1; path parameters stay strings for their own pipes to check.
 *
 * A write may come without a body when its handler takes none (`POST /auth/logout-all`); a
 * handler that does take one answers such a request with a 400 here (an empty PATCH is a
 * mistake, not "change nothing").
 */
@Injectable()
export class DtoValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'param') {
      return Promise.resolve(value);
    }
    if (metadata.type === 'body' && value === undefined) {
      return Promise.reject(new BadRequestException(BODY_REQUIRED));
    }
    return super.transform(value, metadata);
  }
}
