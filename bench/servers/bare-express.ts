/** Framework floor: express 5 with one JSON handler and nothing else. Environment: PORT. */
import express from 'express';
import { HELLO } from './hello';

const app = express();
app.get('/hello', (_req, res) => {
  res.json(HELLO);
});
const server = app.listen(Number(process.env.PORT));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
