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
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Our bodies are flat objects; anything nested deeper than this is refused outright. */
export const MAX_JSON_DEPTH = 16;

/**
 * What is wrong with a parsed body's shape, if anything: nesting deeper than MAX_JSON_DEPTH
 * (walked without recursion, so no body can exhaust the stack) or a forbidden key at any depth.
 */
function shapeProblem(body: object): string | undefined {
  const pending: [unknown, number][] = [[body, 1]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (typeof value !== 'object' || value === null) {
      continue;
    }
    if (depth > MAX_JSON_DEPTH) {
      return `request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
    }
    for (const [key, child] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        return `property ${key} is not allowed`;
      }
      pending.push([child, depth + 1]);
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
    const problem = shapeProblem(req.body as object);
    if (problem) {
      throw new BadRequestException(problem);
    }
    next();
  }
}
