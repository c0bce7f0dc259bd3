import express, { type Express } from 'express';
import request from 'supertest';
import { tagJsonBeforeSending } from './json-etag';

const BODIES: Record<string, unknown> = {
  small: { id: 1, username: 'susan' },
  unicode: { id: 2, username: 'zoë', body: 'naïve café ☕ 𝄞' },
  large: { items: Array.from({ length: 80 }, (_, i) => ({ id: i, body: `post number ${i}` })) },
  empty: {},
  string: 'just a string',
  null: null,
};

/** An express app answering `GET /:name` with `res.json(BODIES[name])`. */
function appAnswering(tagged: boolean, settings: Record<string, unknown> = {}): Express {
  const app = express();
  for (const [name, value] of Object.entries(settings)) {
    app.set(name, value);
  }
  if (tagged) {
    tagJsonBeforeSending(app);
  }
  app.get('/:name', (req, res) => {
    res.json(BODIES[req.params.name]);
  });
  return app;
}

describe('tagJsonBeforeSending', () => {
  const plain = appAnswering(false);
  const tagged = appAnswering(true);

  it.each(Object.keys(BODIES))(
    'answers the %s body exactly as express does: same body, type, length and ETag',
    async (name) => {
      const [expected, actual] = await Promise.all([
        request(plain).get(`/${name}`).expect(200),
        request(tagged).get(`/${name}`).expect(200),
      ]);
      expect(actual.text).toBe(expected.text);
      for (const header of ['etag', 'content-type', 'content-length']) {
        expect([header, actual.headers[header]]).toEqual([header, expected.headers[header]]);
      }
      expect(actual.headers.etag).toMatch(/^W\/"[0-9a-f]+-[\w+/]{27}"$/);
    },
  );

  it('answers 304 with no body to a matching If-None-Match, 200 to another', async () => {
    const first = await request(tagged).get('/unicode').expect(200);
    const etag = first.headers.etag;

    const again = await request(tagged).get('/unicode').set('If-None-Match', etag).expect(304);
    expect(again.text).toBe('');
    expect(again.headers['content-length']).toBeUndefined();

    const other = await request(tagged).get('/small').set('If-None-Match', etag).expect(200);
    expect(other.body).toEqual(BODIES.small);
  });

  it("gives an app set to strong ETags express's strong ones", async () => {
    const [expected, actual] = await Promise.all([
      request(appAnswering(false, { etag: 'strong' }))
        .get('/unicode')
        .expect(200),
      request(appAnswering(true, { etag: 'strong' }))
        .get('/unicode')
        .expect(200),
    ]);
    expect(actual.headers.etag).toMatch(/^"[0-9a-f]+-[\w+/]{27}"$/);
    expect(actual.headers.etag).toBe(expected.headers.etag);
  });

  it('tags nothing when the app turned ETags off', async () => {
    const res = await request(appAnswering(true, { etag: false }))
      .get('/small')
      .expect(200);
    expect(res.headers.etag).toBeUndefined();
    expect(res.body).toEqual(BODIES.small);
  });

  it('keeps an ETag or a Content-Type the handler set itself', async () => {
    const app = express();
    tagJsonBeforeSending(app);
    app.get('/', (_req, res) => {
      res.set('ETag', '"v42"').type('application/problem+json').json({ id: 1 });
    });
    const res = await request(app).get('/').expect(200);
    expect(res.headers.etag).toBe('"v42"');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });
});
