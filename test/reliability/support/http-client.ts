import { Agent, request } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpRequest {
  method: string;
  path: string;
  /** An object is sent as JSON; a string or Buffer is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Fail (with an error whose `code` is `ETIMEDOUT`) if no full response comes in time. */
  timeoutMs?: number;
}

/**
 * A minimal HTTP client on one keep-alive agent, so that a test controls exactly how many
 * connections it opens and what bytes it sends (supertest and fetch both rewrite bodies).
 */
export class HttpClient {
  readonly agent: Agent;

  constructor(
    readonly port: number,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send({
    method,
    path,
    body,
    headers = {},
    timeoutMs = 10_000,
  }: HttpRequest): Promise<HttpResponse> {
    const payload =
      body === undefined
        ? undefined
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? body
          : JSON.stringify(body);
    const allHeaders: Record<string, string | number> = { ...headers };
    if (payload !== undefined) {
      allHeaders['content-length'] = Buffer.byteLength(payload);
      if (typeof body === 'object' && !Buffer.isBuffer(body) && !('content-type' in headers)) {
        allHeaders['content-type'] = 'application/json';
      }
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          headers: allHeaders,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(
          Object.assign(new Error(`${method} ${path}: no response in ${timeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        ),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Parses a response body as JSON, failing with the text when it is not. */
export function json<T = Record<string, unknown>>(res: HttpResponse): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new Error(`expected JSON, got ${res.status}: ${res.text.slice(0, 200)}`);
  }
}
