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

export function createPost(ids: number[]): Scenario {
  return scenario('create-post', 'POST /posts', 201, (random) => () => newPost(random, ids));
}

let signups = 0;

/** Unique usernames and emails across every run of this process. */
export const createUser = scenario('create-user', 'POST /users (scrypt)', 201, () => () => {
  const username = `bench_${process.pid}_${++signups}`;
  return post('/users', { username, email: `${username}@example.com`, password: PASSWORD });
});

/** Reads and writes, 4 to 1: the sustained load of the memory check. */
export function mixed(ids: number[]): Scenario {
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
          return newPost(random, ids);
      }
    };
  });
}

function newPost(random: () => number, ids: number[]): RequestSpec {
  return post('/posts', { body: randomBody(random), authorId: pick(random, ids) });
}

function get(path: string): RequestSpec {
  return { method: 'GET', path };
}

function post(path: string, body: object): RequestSpec {
  return { method: 'POST', path, body: JSON.stringify(body) };
}
