import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gracefulClose } from './graceful-close';

/** A GET over `agent`, resolving with the answer's status and `Connection` header. */
function get(port: number, agent: Agent): Promise<{ status?: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    request({ port, agent, path: '/' }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
}

describe('gracefulClose', () => {
  let server: Server;
  let release: () => void = () => undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  beforeEach(async () => {
    // The first request waits until released: it is in flight when the close begins.
    let first = true;
    server = createServer((_req, res) => {
      const answer = () => res.end('ok');
      if (first) {
        first = false;
        release = answer;
      } else {
        answer();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(() => {
    agent.destroy();
    server.closeAllConnections();
  });

  it('answers the request in flight with Connection: close, then resolves', async () => {
    const close = gracefulClose(server);
    const { port } = server.address() as AddressInfo;
    // A keep-alive connection, busy with the held request when the close begins.
    const inFlight = get(port, agent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = close();
    release();
    await expect(inFlight).resolves.toEqual({ status: 200, connection: 'close' });
    await expect(closed).resolves.toBeUndefined();
    await expect(get(port, agent)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('without it, a busy keep-alive connection outlives server.close()', async () => {
    const { port } = server.address() as AddressInfo;
    const inFlight = get(port, agent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    server.close(() => (closed = true));
    release();
    await expect(inFlight).resolves.toEqual({ status: 200, connection: 'keep-alive' });
    // The same connection is still served after the close began.
    await expect(get(port, agent)).resolves.toEqual({ status: 200, connection: 'keep-alive' });
    expect(closed).toBe(false);
  });
});
