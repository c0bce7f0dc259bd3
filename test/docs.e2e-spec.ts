import { STATUS_CODES } from 'node:http';
import request from 'supertest';
import { createOpenApiDocument } from '../src/app.setup';
import { MAX_PAGE_SIZE } from '../src/common/pagination/page';
import { MAX_ID } from '../src/common/validation/parse-id.pipe';
import { SAMPLE_PASSWORD } from '../src/console/seed/seed.service';
import { bearer } from './support/api';
import { useMigratedApp } from './support/test-app';

/** The parts of an OpenAPI 3.0 document these tests read. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  example?: unknown;
}

interface Header {
  schema: Schema;
  example?: unknown;
}

interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: { 'application/json': { schema: Schema; example?: unknown } };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters: { name: string; in: string; schema: Schema; example?: unknown }[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, Response>;
}

interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string }>;
  };
}

/** The id schema of every path parameter, body and response field that holds an id. */
const ID_SCHEMA = { type: 'integer', format: 'int32', minimum: 1, maximum: MAX_ID };

/**
 * Every operation, with the statuses it documents: 500 and 503 on all (the error filter's answer
 * to the unexpected, and to a database that is unreachable or went away; on writes also to a
 * database busy past its timeout).
 */
const OPERATIONS: [string, string, string[]][] = [
  ['/auth/login', 'post', ['200', '400', '401', '413', '415', '429', '500', '503']],
  ['/auth/refresh', 'post', ['200', '400', '401', '413', '415', '500', '503']],
  ['/auth/logout', 'post', ['204', '400', '401', '403', '413', '415', '500', '503']],
  ['/auth/logout-all', 'post', ['204', '400', '401', '413', '415', '500', '503']],
  ['/users', 'post', ['201', '400', '409', '413', '415', '429', '500', '503']],
  ['/users', 'get', ['200', '400', '500', '503']],
  ['/users/me', 'get', ['200', '400', '401', '500', '503']],
  ['/users/{id}', 'get', ['200', '400', '404', '500', '503']],
  ['/users/{id}', 'patch', ['200', '400', '401', '403', '404', '409', '413', '415', '500', '503']],
  ['/users/{id}', 'delete', ['204', '400', '401', '403', '404', '409', '500', '503']],
  ['/users/{id}/posts', 'get', ['200', '400', '404', '500', '503']],
  ['/posts', 'post', ['201', '400', '401', '413', '415', '422', '500', '503']],
  ['/posts', 'get', ['200', '400', '500', '503']],
  ['/posts/{id}', 'get', ['200', '400', '404', '500', '503']],
  ['/posts/{id}', 'patch', ['200', '400', '401', '403', '404', '413', '415', '500', '503']],
  ['/posts/{id}', 'delete', ['204', '400', '401', '403', '404', '500', '503']],
  ['/health', 'get', ['200', '400', '500', '503']],
];

/** The operations the bearer guard protects: every one that is not `@Public()`. */
const PROTECTED = [
  'post /auth/logout',
  'post /auth/logout-all',
  'get /users/me',
  'patch /users/{id}',
  'delete /users/{id}',
  'post /posts',
  'patch /posts/{id}',
  'delete /posts/{id}',
];

/** Every operation of the document, as `[method path, operation]`. */
function operationsOf(doc: OpenApi): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
  );
}

/** Every object in the document with its JSON path, for checks that apply to all schemas. */
function* walk(value: unknown, at = '$'): Generator<[string, Record<string, unknown>]> {
  if (typeof value !== 'object' || value === null) {
    return;
  }
  if (!Array.isArray(value)) {
    yield [at, value as Record<string, unknown>];
  }
  for (const [key, child] of Object.entries(value)) {
    yield* walk(child, `${at}.${key}`);
  }
}

/** The schemas of the document: objects whose `type` is a JSON Schema type. */
function schemasIn(doc: OpenApi): [string, Schema][] {
  const types = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
  return [...walk(doc)]
    .filter(([, node]) => typeof node.type === 'string' && types.has(node.type))
    .filter(([at]) => !at.startsWith('$.components.securitySchemes'))
    .map(([at, node]) => [at, node as Schema]);
}

function resolve(doc: OpenApi, schema: Schema): Schema {
  return schema.$ref
    ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
    : schema;
}

/**
 * What is wrong with `value` as an instance of `schema` (the keywords the document uses); an
 * object may have no property that its schema does not name.
 */
function problems(doc: OpenApi, schema: Schema, value: unknown, at = '$'): string[] {
  const s = resolve(doc, schema);
  if (value === null) {
    return s.nullable ? [] : [`${at} is null`];
  }
  const found: string[] = [];
  if (s.enum && !s.enum.includes(value)) {
    found.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  switch (s.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        return [`${at} is not an object`];
      }
      for (const key of s.required ?? []) {
        if (!(key in value)) {
          found.push(`${at}.${key} is missing`);
        }
      }
      for (const [key, item] of Object.entries(value)) {
        const property = s.properties?.[key];
        found.push(
          ...(property ? problems(doc, property, item, `${at}.${key}`) : [`${at}.${key} is extra`]),
        );
      }
      return found;
    }
    case 'array':
      if (!Array.isArray(value)) {
        return [`${at} is not an array`];
      }
      if (s.maxItems !== undefined && value.length > s.maxItems) {
        found.push(`${at} has more than ${s.maxItems} items`);
      }
      return found.concat(value.flatMap((item, i) => problems(doc, s.items!, item, `${at}[${i}]`)));
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return [`${at}: ${JSON.stringify(value)} is not an integer`];
      }
      if (value < (s.minimum ?? -Infinity) || value > (s.maximum ?? Infinity)) {
        found.push(`${at}: ${value} is out of [${s.minimum}, ${s.maximum}]`);
      }
      return found;
    }
    case 'string': {
      if (typeof value !== 'string') {
        return [`${at}: ${JSON.stringify(value)} is not a string`];
      }
      const length = [...value].length; // JSON Schema counts characters (code points)
      if (length > (s.maxLength ?? Infinity) || length < (s.minLength ?? 0)) {
        found.push(`${at}: ${length} characters, out of [${s.minLength}, ${s.maxLength}]`);
      }
      if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) {
        found.push(`${at}: ${JSON.stringify(value)} does not match ${s.pattern}`);
      }
      if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        found.push(`${at}: ${JSON.stringify(value)} is not a date-time`);
      }
      if (s.format === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
        found.push(`${at}: ${JSON.stringify(value)} is not an email address`);
      }
      return found;
    }
    default:
      return [`${at}: unexpected schema type ${s.type}`];
  }
}

/** A request body made of the examples of its schema's properties, as Swagger UI makes it. */
function exampleOf(doc: OpenApi, name: string): Record<string, unknown> {
  const properties = Object.entries(doc.components.schemas[name].properties ?? {});
  expect(properties.every(([, property]) => property.example !== undefined)).toBe(true);
  return Object.fromEntries(properties.map(([key, property]) => [key, property.example]));
}

describe('OpenAPI documentation', () => {
  let doc: OpenApi;

  const ctx = useMigratedApp();

  beforeAll(async () => {
    doc = (await ctx.http().get('/docs-json').expect(200)).body as OpenApi;
  });

  /** Fails with the paths of the schemas that `bad` finds fault with. */
  function expectEverySchema(bad: (schema: Schema) => boolean): void {
    expect(
      schemasIn(doc)
        .filter(([, schema]) => bad(schema))
        .map(([at]) => at),
    ).toEqual([]);
  }

  /** Fails unless `res.body` is an instance of the documented response `status` of `op`. */
  function expectDocumented(op: Operation, status: number, res: request.Response): void {
    expect(res.status).toBe(status);
    const response = op.responses[String(status)];
    expect(response).toBeDefined();
    const schema = response.content?.['application/json'].schema;
    expect(schema ? problems(doc, schema, res.body) : res.text).toEqual(schema ? [] : '');
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      expect(problems(doc, header.schema, res.headers[name.toLowerCase()])).toEqual([]);
    }
  }

  it('serves the UI at /docs', async () => {
    const res = await ctx.http().get('/docs').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('serves what createOpenApiDocument() builds, which `npm run openapi` writes', () => {
    expect(JSON.parse(JSON.stringify(createOpenApiDocument(ctx.app)))).toEqual(doc);
  });

  it('documents every operation, and no other', () => {
    expect(
      operationsOf(doc)
        .map(([name]) => name)
        .sort(),
    ).toEqual(OPERATIONS.map(([path, method]) => `${method} ${path}`).sort());
  });

  it.each(OPERATIONS)('documents %s %s with its responses %j', (path, method, statuses) => {
    expect(Object.keys(doc.paths[path][method].responses).sort()).toEqual(statuses);
  });

  it('gives every operation a summary, a description and a tag', () => {
    for (const [name, op] of operationsOf(doc)) {
      expect({ name, summary: Boolean(op.summary?.trim()) }).toEqual({ name, summary: true });
      expect({ name, description: Boolean(op.description?.trim()) }).toEqual({
        name,
        description: true,
      });
      expect({ name, tags: (op.tags ?? []).length > 0 }).toEqual({ name, tags: true });
    }
  });

  it('declares the bearer scheme on every protected operation, with a 401', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const [name, op] of operationsOf(doc)) {
      const isProtected = PROTECTED.includes(name);
      // Public operations say so explicitly: an empty requirement, not a missing one.
      expect({ name, security: op.security }).toEqual({
        name,
        security: isProtected ? [{ bearer: [] }] : [{}],
      });
      if (isProtected) {
        expect({ name, documents401: op.responses['401'] !== undefined }).toEqual({
          name,
          documents401: true,
        });
        expect(op.responses['401'].headers?.['WWW-Authenticate']).toBeDefined();
      }
    }
  });

  it('matches the guard: protected operations answer 401 without a token, public ones do not', async () => {
    const mismatches: string[] = [];
    for (const [name, op] of operationsOf(doc)) {
      const [method, path] = name.split(' ') as ['get' | 'post' | 'patch' | 'delete', string];
      // A well-formed (if empty) body where one goes: the body is read before the token.
      const send = (headers: Record<string, string> = {}) => {
        const req = ctx.http()[method](path.replace('{id}', '1')).set(headers);
        return method === 'post' || method === 'patch' ? req.send({}) : req;
      };
      const documented = op.security?.some((requirement) => 'bearer' in requirement) ?? false;
      const res = await send();
      if (documented !== (res.status === 401)) {
        mismatches.push(
          `${name}: documented ${documented ? 'protected' : 'public'}, got ${res.status}`,
        );
        continue;
      }
      if (documented) {
        expectDocumented(op, 401, res);
        const withBadToken = await send(bearer('not.a.token'));
        expectDocumented(op, 401, withBadToken);
        expect(withBadToken.headers['www-authenticate']).toContain('error="invalid_token"');
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('documents 403 where ownership is checked, and 429 where a rate limit applies', () => {
    const with403 = operationsOf(doc).filter(([, op]) => op.responses['403']);
    expect(with403.map(([name]) => name).sort()).toEqual(
      [
        'delete /posts/{id}',
        'delete /users/{id}',
        'patch /posts/{id}',
        'patch /users/{id}',
        'post /auth/logout',
      ].sort(),
    );
    const with429 = operationsOf(doc).filter(([, op]) => op.responses['429']);
    expect(with429.map(([name]) => name).sort()).toEqual(['post /auth/login', 'post /users']);
    for (const [, op] of with429) {
      expect(op.responses['429'].headers?.['Retry-After'].schema).toMatchObject({
        type: 'integer',
        minimum: 1,
      });
    }
  });

  it('documents ids as integers from 1 to MAX_ID, in paths, bodies and responses', () => {
    const idParameters = operationsOf(doc).flatMap(([name, op]) =>
      op.parameters.filter((p) => p.in === 'path').map((p) => ({ operation: name, ...p })),
    );
    expect(idParameters).toHaveLength(7);
    for (const parameter of idParameters) {
      expect(parameter).toMatchObject({ name: 'id', in: 'path', schema: ID_SCHEMA });
      expect(problems(doc, parameter.schema, parameter.schema.example)).toEqual([]);
    }
    const idProperties = [...walk(doc.components.schemas)].flatMap(([at, node]) =>
      at.endsWith('.properties') && 'id' in node ? [[at, node.id] as const] : [],
    );
    expect(idProperties.map(([at]) => at).sort()).toEqual(
      ['AccountResponse', 'PostAuthor', 'PostResponse', 'UserResponse'].map(
        (name) => `$.${name}.properties`,
      ),
    );
    for (const [, id] of idProperties) {
      expect(id).toMatchObject(ID_SCHEMA);
    }
  });

  it('has no floats: every number is an integer with a minimum, a maximum and a format', () => {
    expectEverySchema((schema) => schema.type === 'number');
    expectEverySchema(
      (schema) =>
        schema.type === 'integer' &&
        (schema.minimum === undefined || schema.maximum === undefined || !schema.format),
    );
    const limit = doc.paths['/posts'].get.parameters.find((p) => p.name === 'limit');
    expect(limit?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE });
  });

  it('bounds every string with maxLength (or an enum) and every array with maxItems', () => {
    expectEverySchema(
      (schema) => schema.type === 'string' && schema.maxLength === undefined && !schema.enum,
    );
    expectEverySchema((schema) => schema.type === 'array' && schema.maxItems === undefined);
    for (const page of ['UserPage', 'PostPage']) {
      const { items, nextCursor } = doc.components.schemas[page].properties!;
      expect(items.maxItems).toBe(MAX_PAGE_SIZE);
      expect(nextCursor).toMatchObject({ nullable: true, maxLength: 512 });
    }
  });

  it('gives examples that fit their own schemas', () => {
    const misfits = [...walk(doc)].flatMap(([at, node]) => {
      if (!('example' in node)) {
        return [];
      }
      const schema = (node.schema ?? node) as Schema; // a parameter, header or content, or a schema
      return schema.type || schema.$ref ? problems(doc, schema, node.example, at) : [];
    });
    expect(misfits).toEqual([]);
  });

  it('marks email addresses as such', () => {
    const { schemas } = doc.components;
    for (const name of ['CreateUserDto', 'UpdateUserDto', 'AccountResponse']) {
      expect(schemas[name].properties?.email.format).toBe('email');
    }
  });

  it('documents errors as { statusCode, error, message } with examples that fit', () => {
    const { ErrorResponse } = doc.components.schemas;
    expect(Object.keys(ErrorResponse.properties ?? {})).toEqual(['statusCode', 'error', 'message']);
    expect(ErrorResponse.properties?.statusCode).toMatchObject({
      type: 'integer',
      minimum: 400,
      maximum: 599,
    });
    for (const phrase of Object.values(STATUS_CODES)) {
      expect(problems(doc, ErrorResponse.properties!.error, phrase)).toEqual([]);
    }
    for (const [name, op] of operationsOf(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400) {
          expect({ name, status, problems: problems(doc, json!.schema, json!.example) }).toEqual({
            name,
            status,
            problems: [],
          });
          expect(json!.example).toMatchObject({ statusCode: Number(status) });
          // The headers the error filter and the guards add to these answers.
          const header = { '401': 'WWW-Authenticate', '429': 'Retry-After', '503': 'Retry-After' }[
            status
          ];
          if (header) {
            expect({ name, status, header: Boolean(response.headers?.[header]) }).toEqual({
              name,
              status,
              header: true,
            });
          }
        }
      }
    }
  });

  it('gives examples that are valid requests, which the app accepts, and answers as documented', async () => {
    const http = () => ctx.http();
    const op = (path: string, method: string) => doc.paths[path][method];

    // Sign up and sign in with the examples, as Swagger UI's "Try it out" would send them.
    const signUp = await http().post('/users').send(exampleOf(doc, 'CreateUserDto'));
    expectDocumented(op('/users', 'post'), 201, signUp);
    const userId = (signUp.body as { id: number }).id;
    const signIn = await http().post('/auth/login').send(exampleOf(doc, 'LoginDto'));
    expectDocumented(op('/auth/login', 'post'), 200, signIn);
    const auth = bearer((signIn.body as { accessToken: string }).accessToken);

    const written = await http().post('/posts').set(auth).send(exampleOf(doc, 'CreatePostDto'));
    expectDocumented(op('/posts', 'post'), 201, written);
    const postId = (written.body as { id: number }).id;
    expectDocumented(
      op('/posts/{id}', 'patch'),
      200,
      await http().patch(`/posts/${postId}`).set(auth).send(exampleOf(doc, 'UpdatePostDto')),
    );
    expectDocumented(
      op('/users/{id}', 'patch'),
      200,
      await http().patch(`/users/${userId}`).set(auth).send(exampleOf(doc, 'UpdateUserDto')),
    );
    expectDocumented(op('/users/me', 'get'), 200, await http().get('/users/me').set(auth));

    // The refresh token example is well formed (no 400), but no session has it: no new tokens,
    // and nothing to sign out of.
    const refresh = exampleOf(doc, 'RefreshTokenDto');
    expectDocumented(
      op('/auth/refresh', 'post'),
      401,
      await http().post('/auth/refresh').send(refresh),
    );
    expectDocumented(
      op('/auth/logout', 'post'),
      204,
      await http().post('/auth/logout').set(auth).send(refresh),
    );

    // Reads, with a next page whose cursor fits the document and is taken back.
    await http()
      .post('/users')
      .send({ username: 'susan', email: 'susan@example.com', password: 'password1' })
      .expect(201);
    for (const url of ['/users?limit=1', '/users?limit=1&sort=-username']) {
      const first = await http().get(url);
      expectDocumented(op('/users', 'get'), 200, first);
      const cursor = (first.body as { nextCursor: string | null }).nextCursor;
      expect(cursor).not.toBeNull();
      const next = await http().get(`${url}&cursor=${encodeURIComponent(cursor!)}`);
      expectDocumented(op('/users', 'get'), 200, next);
    }
    expectDocumented(op('/posts', 'get'), 200, await http().get('/posts'));
    expectDocumented(
      op('/users/{id}/posts', 'get'),
      200,
      await http().get(`/users/${userId}/posts`),
    );
    expectDocumented(op('/posts/{id}', 'get'), 200, await http().get(`/posts/${postId}`));
    expectDocumented(op('/users/{id}', 'get'), 200, await http().get(`/users/${userId}`));
    expectDocumented(op('/health', 'get'), 200, await http().get('/health'));
    expectDocumented(op('/posts/{id}', 'get'), 404, await http().get(`/posts/${MAX_ID}`));
    expectDocumented(op('/posts/{id}', 'get'), 400, await http().get('/posts/1.5'));
  });

  it('describes bodies and responses without any password hash', () => {
    const { schemas } = doc.components;
    expect(Object.keys(schemas.CreateUserDto.properties ?? {})).toEqual([
      'username',
      'email',
      'password',
    ]);
    expect(Object.keys(schemas.UserResponse.properties ?? {})).toEqual(['id', 'username']);
    expect(Object.keys(schemas.AccountResponse.properties ?? {})).toEqual([
      'id',
      'username',
      'email',
    ]);
    expect(Object.keys(schemas.PostResponse.properties ?? {})).toEqual([
      'id',
      'body',
      'timestamp',
      'author',
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/passwordHash|password_hash/);
  });

  it('shows no working credential: not the sample password, no signed token', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain(SAMPLE_PASSWORD);
    const jwts = text.match(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g) ?? [];
    expect(jwts.length).toBeGreaterThan(0);
    for (const jwt of jwts) {
      // A made-up signature, not one this app (or any HS256 key) produced.
      expect(Buffer.from(jwt.split('.')[2], 'base64url').toString()).toBe('signature');
    }
  });
});
