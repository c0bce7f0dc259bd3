import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SECRET_PATTERN } from '../../support/api';
import type { HttpClient, HttpResponse } from './http-client';

export interface PostRecord {
  body: string;
  authorId: number;
}

export interface UserRecord {
  username: string;
  email: string;
  password?: string;
}

/**
 * What a workload did and what the app answered: every acknowledged write (by the id the app
 * returned), every write whose answer never came, and a count of every status and error.
 */
export class Ledger {
  readonly posts = new Map<number, PostRecord>();
  readonly users = new Map<number, UserRecord>();
  readonly deletedPosts = new Set<number>();
  readonly deletedUsers = new Set<number>();
  /** Bodies and usernames of writes sent whose response never arrived (connection lost). */
  readonly unanswered = new Set<string>();
  readonly statuses = new Map<number, number>();
  readonly errors = new Map<string, number>();
  /** Responses that carried a password, a password hash or a `password` field. */
  readonly leaks: string[] = [];
  requests = 0;

  count(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  fail(err: unknown): void {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  responses(predicate: (status: number) => boolean): number {
    let total = 0;
    for (const [status, n] of this.statuses) {
      total += predicate(status) ? n : 0;
    }
    return total;
  }

  errorCount(): number {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }

  /** The posts that should be in the database: acknowledged, and not deleted since. */
  livePosts(): Map<number, PostRecord> {
    return new Map(
      [...this.posts].filter(
        ([id, post]) => !this.deletedPosts.has(id) && !this.deletedUsers.has(post.authorId),
      ),
    );
  }

  liveUsers(): Map<number, UserRecord> {
    return new Map([...this.users].filter(([id]) => !this.deletedUsers.has(id)));
  }

  summary(): string {
    const statuses = [...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
    const errors = [...this.errors].map(([e, n]) => `${e}: ${n}`);
    return `${this.requests} requests (${statuses.join(', ')}${errors.length ? `; errors ${errors.join(', ')}` : ''})`;
  }
}

/** Relative weights of the operations a workload mixes. */
export interface Mix {
  createPost: number;
  createUser: number;
  read: number;
  deletePost: number;
  deleteUser: number;
}

export const MIXED: Mix = {
  createPost: 35,
  createUser: 10,
  read: 45,
  deletePost: 8,
  deleteUser: 2,
};
export const WRITES: Mix = {
  createPost: 80,
  createUser: 20,
  read: 0,
  deletePost: 0,
  deleteUser: 0,
};

export interface WorkloadOptions {
  concurrency: number;
  mix: Mix;
  /** Stops the workers (each finishes the request it has in flight, if it can). */
  signal: AbortSignal;
  /** Share of new users created with a password (hashing is slow by design). */
  passwordShare?: number;
  /** Tells apart the rows of separate workloads on one database. */
  tag?: string;
}

/**
 * Runs `concurrency` workers, each sending one request at a time until `signal` aborts, and
 * records everything in `ledger`. Post bodies mix ASCII and non-ASCII text.
 */
export async function runWorkload(
  client: HttpClient,
  ledger: Ledger,
  { concurrency, mix, signal, passwordShare = 0.1, tag = 'w' }: WorkloadOptions,
): Promise<void> {
  let sequence = 0;
  const weights = Object.entries(mix) as [keyof Mix, number][];
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const pick = (): keyof Mix => {
    let r = randomInt(total);
    for (const [op, w] of weights) {
      if ((r -= w) < 0) {
        return op;
      }
    }
    return 'read';
  };
  const any = <T>(items: T[]): T | undefined =>
    items.length ? items[randomInt(items.length)] : undefined;
  const liveUserIds = () => [...ledger.liveUsers().keys()];

  const send = async (
    request: Parameters<HttpClient['send']>[0],
    marker?: string,
    passwords: string[] = [],
  ): Promise<HttpResponse | undefined> => {
    ledger.requests++;
    if (marker) {
      ledger.unanswered.add(marker);
    }
    try {
      const res = await client.send(request);
      if (marker) {
        ledger.unanswered.delete(marker);
      }
      ledger.count(res.status);
      const seen = `${JSON.stringify(res.headers)}\n${res.text}`;
      if (SECRET_PATTERN.test(seen) || passwords.some((p) => seen.includes(p))) {
        ledger.leaks.push(`${request.method} ${request.path} -> ${res.status}: ${res.text}`);
      }
      return res;
    } catch (err) {
      ledger.fail(err);
      await sleep(20); // as a real client would, rather than spin on a closed port
      return undefined;
    }
  };

  const operations: Record<keyof Mix, () => Promise<void>> = {
    createUser: async () => {
      const n = ++sequence;
      const username = `${tag}_user_${n}`;
      const user: UserRecord = { username, email: `${username}@example.com` };
      if (Math.random() < passwordShare) {
        user.password = `pw-${tag}-${n}-${randomInt(1e9)}`;
      }
      const res = await send({ method: 'POST', path: '/users', body: user }, username, [
        ...(user.password ? [user.password] : []),
      ]);
      if (res?.status === 201) {
        ledger.users.set((JSON.parse(res.text) as { id: number }).id, user);
      }
    },
    createPost: async () => {
      const authorId = any(liveUserIds());
      if (authorId === undefined) {
        return operations.createUser();
      }
      const body = `${tag} post ${++sequence} · ünïcödé ✓ 🚀`;
      const res = await send({ method: 'POST', path: '/posts', body: { body, authorId } }, body);
      if (res?.status === 201) {
        ledger.posts.set((JSON.parse(res.text) as { id: number }).id, { body, authorId });
      }
    },
    read: async () => {
      const userId = any(liveUserIds()) ?? 1;
      const postId = any([...ledger.posts.keys()]) ?? 1;
      const path = any([
        '/posts?limit=20',
        `/users/${userId}`,
        `/users/${userId}/posts?limit=5`,
        `/posts/${postId}`,
        '/users?limit=10',
      ])!;
      await send({ method: 'GET', path });
    },
    deletePost: async () => {
      const id = any([...ledger.livePosts().keys()]);
      if (id === undefined) {
        return;
      }
      ledger.deletedPosts.add(id); // claimed, so no other worker deletes it too
      const res = await send({ method: 'DELETE', path: `/posts/${id}` }, `delete post ${id}`);
      if (res?.status !== 204) {
        ledger.deletedPosts.delete(id);
      }
    },
    deleteUser: async () => {
      const id = any(liveUserIds());
      if (id === undefined) {
        return;
      }
      ledger.deletedUsers.add(id);
      const res = await send({ method: 'DELETE', path: `/users/${id}` }, `delete user ${id}`);
      if (res?.status !== 204) {
        ledger.deletedUsers.delete(id);
      }
    },
  };

  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!signal.aborted) {
        await operations[pick()]();
      }
    }),
  );
}
