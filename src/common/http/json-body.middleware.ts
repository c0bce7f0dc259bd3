import { isUtf8 } from 'node:buffer';
import {
  BadRequestException,
  HttpException,
  Injectable,
  type NestMiddleware,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { BODY_REQUIRED } from '../validation/dto-validation.pipe';

/** Request bodies are small JSON documents: a 140-character post is well under 1 KiB. */
export const JSON_BODY_LIMIT_BYTES = 16 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** An error for body-parser's `verify` hook; its `type` picks the answer in `toHttpException`. */
function unreadable(type: string, message: string): Error {
  return Object.assign(new Error(message), { type });
}

const parseJson = json({
  limit: JSON_BODY_LIMIT_BYTES,
  strict: true,
  type: () => true,
  // On the bytes after any Content-Encoding is undone, before they are decoded as text.
  verify: (_req, _res, bytes: Buffer) => {
    if (bytes.length === 0) {
      // body-parser would read nothing as {}: an empty PATCH would then succeed.
      throw unreadable('body.empty', BODY_REQUIRED);
    }
    if (!isUtf8(bytes)) {
      // Decoding would turn the bad bytes into U+FFFD and store something nobody sent.
      throw unreadable('body.not.utf8', 'request body is not valid UTF-8');
    }
  },
});

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Keys that name something every object already has (`__proto__`, `constructor`, `toString`,
 * …) or `prototype`: they could reach a prototype if a body were ever merged into an object,
 * and class-transformer drops them silently, so the unknown-property check would never see them.
 */
function isForbiddenKey(key: string): boolean {
  return key === 'prototype' || key in Object.prototype;
}

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
      if (isForbiddenKey(key)) {
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
    case 'body.empty':
    case 'body.not.utf8':
      return new BadRequestException(err.message);
    default:
      return new BadRequestException('request body could not be read');
  }
}

/**
 * Parses the JSON bodies of writes (Nest's own body parser is off, see `APP_OPTIONS`), so that
 * every body problem goes through the global error filter as a JSON error: 415 for a write whose
 * body is not `application/json` in UTF-8, 413 over the size limit, 400 for malformed JSON,
 * bytes that are not UTF-8, or a body that is not an object. On every request, a query
 * parameter named like an object's own property (`__proto__`, `constructor`, …) is a 400.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Errors are thrown (not passed to `next`) so that Nest routes them to the error filter.
    const forbidden = Object.keys(req.query).find(isForbiddenKey);
    if (forbidden !== undefined) {
      throw new BadRequestException(`query parameter ${forbidden} is not allowed`);
    }
    if (!WRITE_METHODS.has(req.method)) {
      return next();
    }
    if (!hasBody(req)) {
      // For a handler that takes none (`POST /auth/logout-all`); one that takes a body refuses
      // it in DtoValidationPipe, after the guards, so that a caller not signed in gets its 401.
      return next();
    }
    const contentType = req.headers['content-type'] ?? '';
    if (!JSON_TYPE.test(contentType)) {
      throw new UnsupportedMediaTypeException('Content-Type must be application/json');
    }
    const charset = CHARSET.exec(contentType)?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      throw new UnsupportedMediaTypeException('Content-Type charset must be utf-8');
    }
    await new Promise<void>((resolve, reject) =>
      parseJson(req, res, (err?: unknown) => (err ? reject(toHttpException(err)) : resolve())),
    );
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new BadRequestException(BODY_REQUIRED);
    }
    const problem = shapeProblem(req.body as object);
    if (problem) {
      throw new BadRequestException(problem);
    }
    next();
  }
}
