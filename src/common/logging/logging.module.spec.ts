import { Writable } from 'node:stream';
import express from 'express';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { prettyLogs, requestLogOptions } from './logging.module';

describe('prettyLogs', () => {
  it('prints readable lines on a development terminal when the format is auto', () => {
    expect(prettyLogs('auto', { isTTY: true, nodeEnv: undefined })).toBe(true);
    expect(prettyLogs('auto', { isTTY: true, nodeEnv: 'development' })).toBe(true);
  });

  it('keeps JSON in production, in pipes and when JSON is asked for', () => {
    expect(prettyLogs('auto', { isTTY: true, nodeEnv: 'production' })).toBe(false);
    expect(prettyLogs('auto', { isTTY: false, nodeEnv: undefined })).toBe(false);
    expect(prettyLogs('auto', { isTTY: undefined, nodeEnv: undefined })).toBe(false);
    expect(prettyLogs('json', { isTTY: true, nodeEnv: undefined })).toBe(false);
  });

  it('prints readable lines anywhere when asked to', () => {
    expect(prettyLogs('pretty', { isTTY: false, nodeEnv: 'production' })).toBe(true);
  });
});

describe('requestLogOptions', () => {
  /** Serves one request through pino-http with the app's settings; returns the lines written. */
  async function logOf(
    level: string,
    path: string,
    status = 200,
  ): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logRequests = pinoHttp(requestLogOptions(level, 'json'), stream);
    // A mounted router rewrites req.url, as express's routing does in the app.
    const app = express();
    const router = express.Router();
    router.get('/:id', (_req, res) => {
      res.status(status).json({ ok: true });
    });
    app.use(logRequests);
    app.use('/users', router);
    await request(app)
      .get(path)
      .set('Authorization', 'Bearer secret-token')
      .set('Cookie', 'session=secret-cookie')
      .expect(status);
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('writes one line per request: id, method, path without the query, status and ms', async () => {
    const [line, ...more] = await logOf('info', '/users/7?cursor=abc&limit=5');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), method: 'GET', path: '/users/7' },
      res: { status: 200 },
      ms: expect.any(Number),
    });
    expect(Object.keys(line.req as object).sort()).toEqual(['id', 'method', 'path']);
    expect(Object.keys(line.res as object)).toEqual(['status']);
    const text = JSON.stringify(line);
    for (const secret of ['secret-token', 'secret-cookie', 'cursor', 'headers']) {
      expect(text).not.toContain(secret);
    }
  });

  it('writes a 5xx at the error level', async () => {
    const [line] = await logOf('info', '/users/8', 503);
    expect(line).toMatchObject({ level: 50, req: { path: '/users/8' }, res: { status: 503 } });
  });

  it('writes no request lines above info', async () => {
    expect(await logOf('warn', '/users/9')).toEqual([]);
  });
});
