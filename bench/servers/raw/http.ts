import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';

/** An error that becomes the app's `{ statusCode, error, message }` response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Response headers of its own, e.g. the `WWW-Authenticate` of a refused token. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The challenge of every 401 (src/auth/bearer-auth.guard.ts `BEARER_CHALLENGE`). */
export const BEARER_CHALLENGE = 'Bearer realm="microblog"';

/** The app's request body limit (src/common/http/json-body.middleware.ts). */
const BODY_LIMIT_BYTES = 16 * 1024;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * An error as the app's filter renders it; like the filter, a 401 without a `WWW-Authenticate`
 * of its own gets the plain Bearer challenge (RFC 6750).
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const challenge: Record<string, string> =
    status === 401 && headers['WWW-Authenticate'] === undefined
      ? { 'WWW-Authenticate': BEARER_CHALLENGE }
      : {};
  sendJson(
    res,
    status,
    { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message },
    { ...headers, ...challenge },
  );
}

/** A write's body as a JSON object, with the app's 400/413/415 answers for anything else. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'Content-Type must be application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) {
      throw new HttpError(413, `request body exceeds the ${BODY_LIMIT_BYTES}-byte limit`);
    }
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON, or not a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
