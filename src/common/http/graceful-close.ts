import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Prepares `server` for a shutdown that keep-alive clients cannot hold up, and returns the
 * function that performs it. `server.close()` alone stops new connections and closes the idle
 * ones, but a connection busy with a request at that moment stays open afterwards, and a client
 * that keeps sending on it is served indefinitely: the process never gets to exit. So, once
 * closing, every response that has not started yet (those in flight, and any that come on a
 * connection still open) says `Connection: close`, and Node closes the connection after it.
 * Resolves when every connection has closed.
 */
export function gracefulClose(server: Server): () => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  // Before the app's own listener, which may answer (and send the headers) synchronously.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return () => {
    closing = true;
    for (const res of inFlight) {
      if (!res.headersSent) {
        res.setHeader('Connection', 'close');
      }
    }
    return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  };
}
