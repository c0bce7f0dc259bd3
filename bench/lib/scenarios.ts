import type { SignedIn } from './accounts';
import type { RequestSource, RequestSpec } from './load';
import { pick, randomBody, seededRandom } from './random';

/** A kind of request to measure; `source()` gives every run the same request sequence. */
export interface Scenario {
  id: string;
  label: string;
  expect: readonly number[];
  source(): RequestSource;
}

const PAGE = 'limit=20';
const PASSWORD = 'correct horse battery staple';

/** A fresh source per run (same seed), so that every server gets the same sequence. */
function scenario(
  id: string,
  label: string,
  expect: number | readonly number[],
  make: (random: () => number) => RequestSource,
): Scenario {
  const statuses = typeof expect === 'number' ? [expect] : expect;
  return { id, label, expect: statuses, source: () => make(seededRandom(42)) };
}

export const hello = scenario('hello', 'GET /hello', 200, () => () => get('/hello'));

export function userById(ids: number[]): Scenario {
  return scenario(
    'user-by-id',
    'GET /users/:id',
    200,
    (random) => () => get(`/users/${pick(random, ids)}`),
  );
}

export function postsOfUser(ids: number[]): Scenario {
  return scenario(
    'posts-of-user',
    `GET /users/:id/posts?${PAGE}`,
    200,
    (random) => () => get(`/users/${pick(random, ids)}/posts?${PAGE}`),
  );
}

export const posts = scenario(
  'posts',
  `GET /posts?${PAGE}`,
  200,
  () => () => get(`/posts?${PAGE}`),
);

/** `pathOfPage` is the page's URL (with its cursor), found by following `nextCursor`. */
export function deepPage(page: number, pathOfPage: string): Scenario {
  return scenario(
    'posts-deep',
    `GET /posts page ${page} (cursor)`,
    200,
    () => () => get(pathOfPage),
  );
}

/** Posts by random signed-in users, each with the bearer token of its session. */
export function createPost(authors: SignedIn[]): Scenario {
  const bearers = authorizations(authors);
  return scenario('create-post', 'POST /posts', 201, (random) => () => newPost(random, bearers));
}

let signups = 0;

/** Unique usernames and emails across every run of this process. */
export const createUser = scenario('create-user', 'POST /users (argon2id)', 201, () => () => {
  const username = `bench_${process.pid}_${++signups}`;
  return post('/users', { username, email: `${username}@example.com`, password: PASSWORD });
});

/** Sign-ins of the prepared users, in turn: an argon2id verify and a new session each. */
export function signIn(users: SignedIn[], password: string): Scenario {
  const bodies = users.map(({ username }) => JSON.stringify({ login: username, password }));
  return scenario('sign-in', 'POST /auth/login (argon2id)', 200, () => {
    let i = 0;
    return () => ({ method: 'POST', path: '/auth/login', body: bodies[i++ % bodies.length] });
  });
}

/** Reads and writes, 4 to 1: the sustained load of the memory check. */
export function mixed(ids: number[], authors: SignedIn[]): Scenario {
  const bearers = authorizations(authors);
  return scenario('mixed', 'mixed reads and POST /posts', [200, 201], (random) => {
    let i = 0;
    return () => {
      switch (i++ % 5) {
        case 0:
          return get(`/users/${pick(random, ids)}`);
        case 1:
          return get(`/users/${pick(random, ids)}/posts?${PAGE}`);
        case 2:
          return get(`/posts?${PAGE}`);
        case 3:
          return get(`/users/${pick(random, ids)}`);
        default:
          return newPost(random, bearers);
      }
    };
  });
}

/** One `Authorization` header object per session, built once. */
function authorizations(authors: SignedIn[]): Record<string, string>[] {
  return authors.map(({ accessToken }) => ({ authorization: `Bearer ${accessToken}` }));
}

function newPost(random: () => number, bearers: Record<string, string>[]): RequestSpec {
  const headers = pick(random, bearers);
  return { ...post('/posts', { body: randomBody(random) }), headers };
}

function get(path: string): RequestSpec {
  return { method: 'GET', path };
}

function post(path: string, body: object): RequestSpec {
  return { method: 'POST', path, body: JSON.stringify(body) };
}
