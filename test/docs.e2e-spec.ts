import request from 'supertest';
import { useMigratedApp } from './support/test-app';

type OpenApi = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

describe('OpenAPI documentation', () => {
  let doc: OpenApi;

  const ctx = useMigratedApp();

  beforeAll(async () => {
    doc = (await request(ctx.app.getHttpServer()).get('/docs-json').expect(200)).body;
  });

  it('serves the UI at /docs', async () => {
    const res = await request(ctx.app.getHttpServer()).get('/docs').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it.each([
    ['/users', 'post', ['201', '400', '409', '413', '415', '429']],
    ['/users', 'get', ['200', '400']],
    ['/users/{id}', 'get', ['200', '400', '404']],
    ['/users/{id}', 'patch', ['200', '400', '404', '409', '413', '415']],
    ['/users/{id}', 'delete', ['204', '400', '404']],
    ['/users/{id}/posts', 'get', ['200', '400', '404']],
    ['/posts', 'post', ['201', '400', '413', '415', '422']],
    ['/posts', 'get', ['200', '400']],
    ['/posts/{id}', 'get', ['200', '400', '404']],
    ['/posts/{id}', 'patch', ['200', '400', '404', '413', '415']],
    ['/posts/{id}', 'delete', ['204', '400', '404']],
  ])('documents %s %s with its responses %j', (path, method, statuses) => {
    const operation = doc.paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(Object.keys(operation.responses).sort()).toEqual([...statuses].sort());
  });

  it('describes bodies and responses without any password hash', () => {
    const { schemas } = doc.components;
    expect(Object.keys(schemas.CreateUserDto.properties ?? {})).toEqual([
      'username',
      'email',
      'password',
    ]);
    expect(Object.keys(schemas.UserResponse.properties ?? {})).toEqual(['id', 'username', 'email']);
    expect(Object.keys(schemas.PostResponse.properties ?? {})).toEqual([
      'id',
      'body',
      'timestamp',
      'author',
    ]);
    expect(Object.keys(schemas.ErrorResponse.properties ?? {})).toEqual([
      'statusCode',
      'error',
      'message',
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/passwordHash|password_hash/);
  });
});
