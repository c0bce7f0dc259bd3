import {
  BadRequestException,
  HttpException,
  Injectable,
  type NestMiddleware,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';

/** Request bodies are small JSON documents: a 140-character post is well under 1 KiB. */
export const JSON_BODY_LIMIT_BYTES = 16 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const parseJson = json({ limit: JSON_BODY_LIMIT_BYTES, strict: true, type: () => true });

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Keys that could reach an object's prototype if the body were ever merged into one. */
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

/** The first forbidden own key at any depth of a parsed JSON value, if any. */
function findForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.includes(key)) {
      return key;
    }
    const nested = findForbiddenKey((value as Record<string, unknown>)[key]);
    if (nested) {
      return nested;
    }
  }
  return undefined;
}

/** body-parser's errors as the HTTP exceptions our error filter renders. */
function toHttpException(error: unknown): HttpException {
  const err = (typeof error === 'object' && error !== null ? error : {}) as {
    type?: string;
    message?: string;
  };
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLargeException(
        `request body exceeds the ${JSON_BODY_LIMIT_BYTES}-byte limit`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeException(err.message ?? 'unsupported body encoding');
    case 'entity.parse.failed':
      return new BadRequestException('request body is not valid JSON, or not a JSON object');
    default:
      return new BadRequestException('request body could not be read');
  }
}

/**
 * Parses the JSON bodies of writes (Nest's own body parser is off, see `APP_OPTIONS`), so that
 * every body problem goes through the global error filter as a JSON error: 415 for a write whose
 * body is not `application/json`, 413 over the size limit, 400 for malformed JSON or a body that
 * is not an object.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Errors are thrown (not passed to `next`) so that Nest routes them to the error filter.
    if (!WRITE_METHODS.has(req.method)) {
      return next();
    }
    if (!hasBody(req)) {
      throw new BadRequestException('request body must be a JSON object');
    }
    if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      throw new UnsupportedMediaTypeException('Content-Type must be application/json');
    }
    await new Promise<void>((resolve, reject) =>
      parseJson(req, res, (err?: unknown) => (err ? reject(toHttpException(err)) : resolve())),
    );
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new BadRequestException('request body must be a JSON object');
    }
    const forbidden = findForbiddenKey(req.body);
    if (forbidden) {
      throw new BadRequestException(`property ${forbidden} is not allowed`);
    }
    next();
  }
}
