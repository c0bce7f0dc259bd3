import { createHash, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SECRET_PATTERN } from '../../support/api';
import type { StoredRows } from './database-file';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client';

/** A user that signed up with a password and signed in: a virtual user writes as one. */
export interface Account {
  id: number;
  username: string;
  email: string;
  password: string;
  accessToken: string;
  /** Unknown after a refresh whose answer never came: the one sent may or may not be used. */
  refreshToken?: string;
  /** Its session may have ended (a sign-out that got no answer): it signs in before writing. */
  stale?: boolean;
  /** Its posts, as far as it knows still there. */
  posts: number[];
}

export interface PostRecord {
  body: string;
  authorId: number;
}

export interface UserRecord {
  username: string;
  email: string;
  password: string;
}

export interface SessionRecord {
  userId: number;
  revoked: boolean;
}

export interface RefreshRecord {
  sessionId: number;
  used: boolean;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/** What the database stores of a refresh token (the app keeps only its SHA-256, in hex). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The session an access token was issued in: its `sid` claim, read without verifying it. */
export function sessionOf(accessToken: string): number {
  const payload = Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString();
  return (JSON.parse(payload) as { sid: number }).sid;
}

/** `Authorization: Bearer <access token>`. */
export function bearer(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}

/** Passwords and hashes: what no response may show, not even one that carries tokens. */
const PASSWORD_OR_HASH = /"password\w*"\s*:|password_hash|scrypt\$|\$argon2id\$/i;

/**
 * What a workload did and what the app answered: every acknowledged write (posts, users,
 * sessions and refresh tokens, by the ids and tokens the app returned), every write whose answer
 * never came, a count of every status and error, and every answer the rules do not allow.
 */
export class Ledger {
  readonly posts = new Map<number, PostRecord>();
  readonly users = new Map<number, UserRecord>();
  /** Sessions by id (the `sid` of their access tokens). */
  readonly sessions = new Map<number, SessionRecord>();
  /** Refresh tokens by SHA-256, as the database holds them. */
  readonly refreshTokens = new Map<string, RefreshRecord>();
  readonly deletedPosts = new Set<number>();
  readonly deletedUsers = new Set<number>();
  /** Bodies and usernames of creates whose answer never came (connection lost). */
  readonly unanswered = new Set<string>();
  /** Edits (post id → the body sent) whose answer never came. */
  readonly unansweredEdits = new Map<number, string>();
  /** Post deletes whose answer never came. */
  readonly unansweredDeletes = new Set<number>();
  /** Accounts whose delete got no answer. */
  readonly unansweredUserDeletes = new Set<number>();
  /** Sessions whose sign-out got no answer. */
  readonly unansweredSignOuts = new Set<number>();
  /** Refresh tokens (SHA-256) sent for exchange whose answer never came. */
  readonly unansweredRefreshes = new Set<string>();
  /** Sign-ins whose answer never came: each may have started a session with one token. */
  unansweredSignIns = 0;
  readonly statuses = new Map<number, number>();
  readonly errors = new Map<string, number>();
  /** Operations the app answered as asked, by kind. */
  readonly done = new Map<string, number>();
  /** Responses that showed a secret: a password or a hash anywhere, tokens where none belong. */
  readonly leaks: string[] = [];
  /** Answers the rules do not allow (a signed-in write refused, someone else's post changed). */
  readonly unexpected: string[] = [];
  /** Every password and token the workload used, for the log checks. */
  readonly secrets = new Set<string>();
  /** Writes answered with a success, and writes whose answer never came. */
  acknowledged = 0;
  cutOff = 0;
  requests = 0;
  /**
   * Writes answered `503` because the database was unavailable (with `unavailable: 'allowed'`):
   * like a write cut off, it may or may not have committed (its connection was lost at commit).
   */
  unavailableWrites = 0;

  count(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  fail(err: unknown): void {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  did(operation: string): void {
    this.done.set(operation, (this.done.get(operation) ?? 0) + 1);
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
    const done = [...this.done].map(([op, n]) => `${n} ${op}`);
    return (
      `${this.requests} requests (${statuses.join(', ')}${errors.length ? `; errors ${errors.join(', ')}` : ''}); ` +
      done.join(', ')
    );
  }

  /**
   * Compares the database with the ledger: every acknowledged write is there (posts and users
   * with their contents, sessions signed out or not, refresh tokens used or not), nothing that
   * was deleted is, and nothing else is. `inFlight: 'adopt'` is for a crash: a write whose answer
   * never came may or may not have committed, so a row it explains is taken into the ledger
   * instead of being a problem (and from then on expected like the others). Returns what does
   * not match, and how many rows in-flight writes explained.
   */
  reconcile(
    file: StoredRows,
    inFlight: 'adopt' | 'exact',
  ): { problems: string[]; adopted: number } {
    const adopt = inFlight === 'adopt';
    const problems: string[] = [];
    let adopted = 0;

    if (adopt) {
      // An account delete that got no answer: gone with its posts and sessions, or not at all.
      const present = new Set(file.users().map((row) => row.id));
      for (const id of this.unansweredUserDeletes) {
        if (!present.has(id)) {
          this.deletedUsers.add(id);
        }
      }
    }

    const postRows = new Map(file.posts().map((row) => [row.id, row]));
    for (const [id, post] of this.posts) {
      const row = postRows.get(id);
      postRows.delete(id);
      if (adopt && !row && this.unansweredDeletes.has(id)) {
        this.deletedPosts.add(id);
      }
      if (this.deletedPosts.has(id) || this.deletedUsers.has(post.authorId)) {
        if (row) {
          problems.push(`post ${id} was deleted, but is still there`);
        }
        continue;
      }
      if (!row) {
        problems.push(`post ${id} is missing: ${JSON.stringify(post)}`);
        continue;
      }
      if (adopt && row.body === this.unansweredEdits.get(id)) {
        post.body = row.body;
      }
      if (row.body !== post.body || row.user_id !== post.authorId) {
        const stored = { body: row.body, authorId: row.user_id };
        problems.push(`post ${id} is ${JSON.stringify(stored)}, not ${JSON.stringify(post)}`);
      }
    }
    for (const row of postRows.values()) {
      if (adopt && this.unanswered.has(row.body)) {
        this.posts.set(row.id, { body: row.body, authorId: row.user_id });
        adopted++;
      } else {
        problems.push(`post ${row.id} was never acknowledged: ${JSON.stringify(row)}`);
      }
    }

    const userRows = new Map(file.users().map((row) => [row.id, row]));
    for (const [id, user] of this.users) {
      const row = userRows.get(id);
      userRows.delete(id);
      if (this.deletedUsers.has(id)) {
        if (row) {
          problems.push(`user ${id} was deleted, but is still there`);
        }
        continue;
      }
      if (row?.username !== user.username || row.email !== user.email) {
        problems.push(`user ${id} is ${JSON.stringify(row)}, not ${JSON.stringify(user)}`);
      }
    }
    for (const row of userRows.values()) {
      if (adopt && this.unanswered.has(row.username)) {
        this.users.set(row.id, { username: row.username, email: row.email, password: '' });
        adopted++;
      } else {
        problems.push(`user ${row.id} was never acknowledged: ${row.username}`);
      }
    }
    for (const row of file.users()) {
      if (!/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/.test(row.password_hash ?? '')) {
        problems.push(`user ${row.id} has no argon2id hash: ${String(row.password_hash)}`);
      }
    }

    const sessionRows = new Map(file.sessions().map((row) => [row.id, row]));
    for (const [id, session] of this.sessions) {
      const row = sessionRows.get(id);
      sessionRows.delete(id);
      if (this.deletedUsers.has(session.userId)) {
        if (row) {
          problems.push(`session ${id} outlived its user ${session.userId}`);
        }
        continue;
      }
      if (!row) {
        problems.push(`session ${id} of user ${session.userId} is missing`);
        continue;
      }
      if (adopt && this.unansweredSignOuts.has(id)) {
        session.revoked = row.revoked_at !== null;
      }
      if (row.user_id !== session.userId || (row.revoked_at !== null) !== session.revoked) {
        problems.push(`session ${id} is ${JSON.stringify(row)}, not ${JSON.stringify(session)}`);
      }
    }
    let lostSessions = adopt ? this.unansweredSignIns : 0;
    for (const row of sessionRows.values()) {
      if (lostSessions > 0) {
        lostSessions--;
        this.sessions.set(row.id, { userId: row.user_id, revoked: row.revoked_at !== null });
        adopted++;
      } else {
        problems.push(`session ${row.id} of user ${row.user_id} was never acknowledged`);
      }
    }

    const tokenRows = new Map(file.refreshTokens().map((row) => [row.token_hash, row]));
    for (const [hash, token] of this.refreshTokens) {
      const row = tokenRows.get(hash);
      tokenRows.delete(hash);
      const session = this.sessions.get(token.sessionId);
      if (session && this.deletedUsers.has(session.userId)) {
        if (row) {
          problems.push(`a refresh token of session ${token.sessionId} outlived its user`);
        }
        continue;
      }
      if (!row) {
        problems.push(`a refresh token of session ${token.sessionId} is missing`);
        continue;
      }
      if (adopt && this.unansweredRefreshes.has(hash)) {
        token.used = row.used_at !== null;
      }
      if (row.session_id !== token.sessionId || (row.used_at !== null) !== token.used) {
        const stored = { sessionId: row.session_id, used: row.used_at !== null };
        problems.push(`a refresh token is ${JSON.stringify(stored)}, not ${JSON.stringify(token)}`);
      }
    }
    let lostTokens = adopt ? this.unansweredSignIns + this.unansweredRefreshes.size : 0;
    for (const row of tokenRows.values()) {
      if (lostTokens > 0) {
        lostTokens--;
        this.refreshTokens.set(row.token_hash, {
          sessionId: row.session_id,
          used: row.used_at !== null,
        });
        adopted++;
      } else {
        problems.push(`a refresh token of session ${row.session_id} was never acknowledged`);
      }
    }

    if (adopt) {
      this.unanswered.clear();
      this.unansweredEdits.clear();
      this.unansweredDeletes.clear();
      this.unansweredSignOuts.clear();
      this.unansweredUserDeletes.clear();
      this.unansweredRefreshes.clear();
      this.unansweredSignIns = 0;
    }
    return { problems, adopted };
  }
}

/** Relative weights of the operations a workload mixes. */
export interface Mix {
  /** `POST /posts` as the virtual user. */
  createPost: number;
  /** `PATCH /posts/:id` of one of its posts. */
  editPost: number;
  /** `DELETE /posts/:id` of one of its posts. */
  deletePost: number;
  /** Public reads, and `GET /users/me`. */
  read: number;
  /** `POST /auth/refresh`: new tokens for the virtual user's session. */
  refresh: number;
  /** `POST /auth/logout`, then `POST /auth/login` again (one password hash). */
  signIn: number;
  /** `POST /users`: a new account with a password (one hash), not used afterwards. */
  signUp: number;
  /** `DELETE /users/:id` of its own account, then sign up and in again (two hashes). */
  deleteAccount: number;
  /** Someone else's post or account (403), or a write with no or a bad token (401). */
  refused: number;
}

/**
 * Hashing a password takes about 20-40 ms of a core: the sign-ups and sign-ins are a few per
 * thousand operations, as on a real service, and the accounts the load writes with are made
 * before it (`makeAccounts`).
 */
export const MIXED: Mix = {
  createPost: 300,
  editPost: 60,
  deletePost: 60,
  read: 450,
  refresh: 25,
  signIn: 4,
  signUp: 4,
  deleteAccount: 2,
  refused: 40,
};
export const WRITES: Mix = {
  createPost: 75,
  editPost: 10,
  deletePost: 5,
  read: 0,
  refresh: 5,
  signIn: 1,
  signUp: 2,
  deleteAccount: 0,
  refused: 0,
};

export interface WorkloadOptions {
  /** One virtual user per account, each sending one request at a time. */
  accounts: Account[];
  mix: Mix;
  /** Stops the virtual users (each finishes the request it has in flight, if it can). */
  signal: AbortSignal;
  /** Tells apart the rows of separate workloads on one database. */
  tag?: string;
  /**
   * `allowed` when the database may be unavailable: a `503` with `Retry-After` and the
   * unavailable message is then a right answer to anything that needs the database, and counts
   * as no answer (a write it refused may or may not have committed). By default a 503 is
   * unexpected like any other status the rules do not give.
   */
  unavailable?: 'allowed' | 'unexpected';
}

/** What the app answers while its database is unreachable or restarting. */
const UNAVAILABLE_BODY = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'the database is unavailable; retry the request',
};

const any = <T>(items: T[]): T | undefined =>
  items.length ? items[randomInt(items.length)] : undefined;

/** The operations of virtual users, each recording what it sent and what came back. */
class VirtualUsers {
  private sequence = 0;

  constructor(
    private readonly client: HttpClient,
    private readonly ledger: Ledger,
    private readonly tag: string,
    private readonly accounts: Account[] = [],
    private readonly unavailable: 'allowed' | 'unexpected' = 'unexpected',
  ) {}

  /**
   * Sends one request; undefined when no answer came (the connection failed) or, when allowed,
   * the database was unavailable.
   */
  async send(request: HttpRequest): Promise<HttpResponse | undefined> {
    const { ledger } = this;
    ledger.requests++;
    try {
      const res = await this.client.send(request);
      ledger.count(res.status);
      this.inspect(request, res);
      if (res.status === 503 && this.unavailable === 'allowed') {
        let body: unknown;
        try {
          body = JSON.parse(res.text);
        } catch {
          body = res.text;
        }
        if (!/^\d+$/.test(String(res.headers['retry-after']))) {
          this.unexpected(request, res, 'a 503 without Retry-After');
        } else if (JSON.stringify(body) !== JSON.stringify(UNAVAILABLE_BODY)) {
          this.unexpected(request, res, 'a 503 that is not "the database is unavailable"');
        }
        if (request.method !== 'GET') {
          ledger.unavailableWrites++;
        }
        await sleep(20); // a real client would wait Retry-After; this one keeps the pressure on
        return undefined;
      }
      return res;
    } catch (err) {
      ledger.fail(err);
      if (request.method !== 'GET') {
        ledger.cutOff++;
      }
      await sleep(20); // as a real client would, rather than spin on a closed port
      return undefined;
    }
  }

  /** Records a response that shows a secret, or an email outside the user's own account. */
  private inspect(request: HttpRequest, res: HttpResponse): void {
    // Every 401 says `WWW-Authenticate: Bearer realm=...`: a challenge, not a token.
    const { 'www-authenticate': challenge, ...headers } = res.headers;
    if (res.status === 401 && !/^Bearer realm="microblog"/.test(String(challenge))) {
      this.unexpected(request, res, 'a 401 without a Bearer challenge');
    }
    const seen = `${JSON.stringify(headers)}\n${res.text}`;
    const tokens = res.status === 200 && ['/auth/login', '/auth/refresh'].includes(request.path);
    const password = (request.body as { password?: string } | undefined)?.password;
    const ownAccount =
      request.path === '/users/me' ||
      (request.method === 'PATCH' && /^\/users\//.test(request.path));
    if (
      (tokens ? PASSWORD_OR_HASH : SECRET_PATTERN).test(seen) ||
      (password !== undefined && seen.includes(password)) ||
      (!ownAccount && /"email"\s*:/.test(res.text))
    ) {
      this.ledger.leaks.push(`${request.method} ${request.path} -> ${res.status}: ${seen}`);
    }
  }

  private unexpected(request: HttpRequest, res: HttpResponse, why: string): void {
    this.ledger.unexpected.push(
      `${why}: ${request.method} ${request.path} -> ${res.status} ${res.text.slice(0, 200)}`,
    );
  }

  /** Whether `res` is `status`; records it as unexpected otherwise. */
  private expect(request: HttpRequest, res: HttpResponse, ...statuses: number[]): boolean {
    if (statuses.includes(res.status)) {
      return true;
    }
    this.unexpected(request, res, `expected ${statuses.join(' or ')}`);
    return false;
  }

  /** `POST /users` with a new username, email and password. */
  async signUp(): Promise<(UserRecord & { id: number }) | undefined> {
    const n = ++this.sequence;
    const username = `${this.tag}_user_${n}`;
    const user: UserRecord = {
      username,
      email: `${username}@example.com`,
      password: `pw-${this.tag}-${n}-${randomInt(1e9)}`,
    };
    this.ledger.secrets.add(user.password);
    const request = { method: 'POST', path: '/users', body: user };
    const res = await this.send(request);
    if (!res) {
      this.ledger.unanswered.add(username);
      return undefined;
    }
    if (!this.expect(request, res, 201)) {
      return undefined;
    }
    const { id } = JSON.parse(res.text) as { id: number };
    this.ledger.users.set(id, user);
    this.ledger.acknowledged++;
    this.ledger.did('sign-ups');
    return { id, ...user };
  }

  /** `POST /auth/login` with the username or the email: a new session for `me`. */
  async signIn(me: Account): Promise<boolean> {
    const login = randomInt(2) ? me.username : me.email.toUpperCase();
    const request = { method: 'POST', path: '/auth/login', body: { login, password: me.password } };
    const res = await this.send(request);
    if (!res) {
      this.ledger.unansweredSignIns++;
      me.stale = true;
      return false;
    }
    if (!this.expect(request, res, 200)) {
      me.stale = true;
      return false;
    }
    const tokens = JSON.parse(res.text) as TokenPair;
    const sessionId = sessionOf(tokens.accessToken);
    this.ledger.sessions.set(sessionId, { userId: me.id, revoked: false });
    this.keepTokens(me, sessionId, tokens);
    this.ledger.did('sign-ins');
    return true;
  }

  private keepTokens(me: Account, sessionId: number, tokens: TokenPair): void {
    this.ledger.refreshTokens.set(sha256(tokens.refreshToken), { sessionId, used: false });
    this.ledger.secrets.add(tokens.accessToken).add(tokens.refreshToken);
    this.ledger.acknowledged++;
    me.accessToken = tokens.accessToken;
    me.refreshToken = tokens.refreshToken;
    me.stale = false;
  }

  /** A new account, signed in. */
  async newAccount(): Promise<Account | undefined> {
    const user = await this.signUp();
    if (!user) {
      return undefined;
    }
    const account: Account = { ...user, accessToken: '', posts: [] };
    return (await this.signIn(account)) ? account : undefined;
  }

  /**
   * Makes `me` a new account, after its own was deleted (or may have been): tries again while
   * the app cannot make one (the database unavailable), since the old one's tokens and password
   * may no longer work. Gives up after some 20 s of trying, leaving `me` stale.
   */
  private async startOver(me: Account): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const replacement = await this.newAccount();
      if (replacement) {
        Object.assign(me, replacement);
        return;
      }
      await sleep(200);
    }
    me.stale = true;
  }

  private postBody(kind: string): string {
    return `${this.tag} ${kind} ${++this.sequence} · ünïcödé ✓ 🚀`;
  }

  readonly operations: Record<keyof Mix, (me: Account) => Promise<void>> = {
    createPost: async (me) => {
      const body = this.postBody('post');
      const request = {
        method: 'POST',
        path: '/posts',
        body: { body },
        headers: bearer(me.accessToken),
      };
      const res = await this.send(request);
      if (!res) {
        this.ledger.unanswered.add(body);
        return;
      }
      if (!this.expect(request, res, 201)) {
        return;
      }
      const post = JSON.parse(res.text) as { id: number; author: { id: number } };
      if (post.author.id !== me.id) {
        this.unexpected(request, res, `written as user ${me.id}`);
      }
      this.ledger.posts.set(post.id, { body, authorId: me.id });
      this.ledger.acknowledged++;
      me.posts.push(post.id);
    },
    editPost: async (me) => {
      const id = any(me.posts);
      if (id === undefined) {
        return this.operations.createPost(me);
      }
      const body = this.postBody('edit');
      const request = {
        method: 'PATCH',
        path: `/posts/${id}`,
        body: { body },
        headers: bearer(me.accessToken),
      };
      const res = await this.send(request);
      if (!res) {
        this.ledger.unansweredEdits.set(id, body);
        return;
      }
      if (this.expect(request, res, 200)) {
        this.ledger.posts.get(id)!.body = body;
        this.ledger.acknowledged++;
        this.ledger.did('edits');
      }
    },
    deletePost: async (me) => {
      const id = any(me.posts);
      if (id === undefined) {
        return;
      }
      me.posts = me.posts.filter((post) => post !== id);
      const request = { method: 'DELETE', path: `/posts/${id}`, headers: bearer(me.accessToken) };
      const res = await this.send(request);
      if (!res) {
        this.ledger.unansweredDeletes.add(id);
        return;
      }
      if (this.expect(request, res, 204)) {
        this.ledger.deletedPosts.add(id);
        this.ledger.acknowledged++;
      }
    },
    read: async (me) => {
      const other = any(this.accounts) ?? me;
      const postId = any(other.posts) ?? 1;
      const path = any([
        '/posts?limit=20',
        `/users/${other.id}`,
        `/users/${other.id}/posts?limit=5`,
        `/posts/${postId}`,
        '/users?limit=10',
        '/users/me',
      ])!;
      const mine = path === '/users/me';
      const request = { method: 'GET', path, ...(mine && { headers: bearer(me.accessToken) }) };
      const res = await this.send(request);
      if (!res) {
        return;
      }
      // A user or post another virtual user has just deleted is a 404.
      if (this.expect(request, res, ...(/\/\d+/.test(path) ? [200, 404] : [200])) && mine) {
        const account = JSON.parse(res.text) as Record<string, unknown>;
        if (account.id !== me.id || account.email !== me.email) {
          this.unexpected(request, res, `not the account of user ${me.id}`);
        }
      }
    },
    refresh: async (me) => {
      const refreshToken = me.refreshToken;
      if (refreshToken === undefined) {
        await this.signIn(me);
        return;
      }
      const request = { method: 'POST', path: '/auth/refresh', body: { refreshToken } };
      const res = await this.send(request);
      const presented = this.ledger.refreshTokens.get(sha256(refreshToken))!;
      if (!res) {
        this.ledger.unansweredRefreshes.add(sha256(refreshToken));
        me.refreshToken = undefined;
        return;
      }
      if (this.expect(request, res, 200)) {
        presented.used = true;
        this.keepTokens(me, presented.sessionId, JSON.parse(res.text) as TokenPair);
        this.ledger.did('refreshes');
      }
    },
    signIn: async (me) => {
      const { accessToken, refreshToken } = me;
      if (refreshToken !== undefined) {
        const sessionId = sessionOf(accessToken);
        const request = {
          method: 'POST',
          path: '/auth/logout',
          body: { refreshToken },
          headers: bearer(accessToken),
        };
        const res = await this.send(request);
        me.stale = true;
        if (!res) {
          this.ledger.unansweredSignOuts.add(sessionId);
          return;
        }
        if (!this.expect(request, res, 204)) {
          return;
        }
        this.ledger.sessions.get(sessionId)!.revoked = true;
        this.ledger.acknowledged++;
        this.ledger.did('sign-outs');
        // The session has ended: its access token is refused at once, not when it expires.
        const check = { method: 'GET', path: '/users/me', headers: bearer(accessToken) };
        const after = await this.send(check);
        if (after) {
          this.expect(check, after, 401);
        }
      }
      await this.signIn(me);
    },
    signUp: async () => {
      await this.signUp();
    },
    deleteAccount: async (me) => {
      const request = {
        method: 'DELETE',
        path: `/users/${me.id}`,
        headers: bearer(me.accessToken),
      };
      const res = await this.send(request);
      if (!res) {
        // Deleted or not: the reconciliation tells. This virtual user starts over either way.
        this.ledger.unansweredUserDeletes.add(me.id);
        await this.startOver(me);
        return;
      }
      if (!this.expect(request, res, 204)) {
        me.stale = true;
        return;
      }
      this.ledger.deletedUsers.add(me.id);
      this.ledger.acknowledged++;
      this.ledger.did('account deletes');
      await this.startOver(me);
    },
    refused: async (me) => {
      const other = any(this.accounts.filter((account) => account.id !== me.id));
      const theirs = other && any(other.posts);
      const mine = any(me.posts) ?? theirs ?? 1;
      const n = ++this.sequence;
      // No token, a token cut short (its signature no longer checks out), or not a token.
      const badTokens: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${me.accessToken.slice(0, -2)}` },
        { authorization: 'Bearer not-a-token' },
        { authorization: me.accessToken },
      ];
      const requests: [HttpRequest, number[]][] = [
        [{ method: 'POST', path: '/posts', body: { body: 'no' }, headers: any(badTokens) }, [401]],
        [{ method: 'DELETE', path: `/posts/${mine}`, headers: any(badTokens) }, [401]],
      ];
      if (theirs !== undefined) {
        // Someone else's post: 403, or 404 when its author has just deleted it.
        const auth = bearer(me.accessToken);
        requests.push(
          [
            { method: 'PATCH', path: `/posts/${theirs}`, body: { body: 'mine' }, headers: auth },
            [403, 404],
          ],
          [{ method: 'DELETE', path: `/posts/${theirs}`, headers: auth }, [403, 404]],
        );
      }
      if (other) {
        requests.push([
          {
            method: 'PATCH',
            path: `/users/${other.id}`,
            body: { username: `${this.tag}_taken_${n}` },
            headers: bearer(me.accessToken),
          },
          [403, 404],
        ]);
      }
      const [request, statuses] = any(requests)!;
      const res = await this.send(request);
      if (res && this.expect(request, res, ...statuses)) {
        this.ledger.did('refusals');
      }
    },
  };
}

/**
 * Makes `count` accounts (sign-up with a password, then sign-in), a few at a time, recording
 * them in `ledger`: the virtual users of a workload. Fails if any of them cannot be made.
 */
export async function makeAccounts(
  client: HttpClient,
  ledger: Ledger,
  count: number,
  tag = 'account',
): Promise<Account[]> {
  const users = new VirtualUsers(client, ledger, tag);
  const accounts: Account[] = [];
  while (accounts.length < count) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - accounts.length) }, () => users.newAccount()),
    );
    for (const account of batch) {
      if (!account) {
        throw new Error(`could not make the accounts: ${ledger.unexpected.join('; ')}`);
      }
      accounts.push(account);
    }
  }
  return accounts;
}

/**
 * Runs one virtual user per account, each sending one request at a time until `signal` aborts,
 * and records everything in `ledger`. Post bodies mix ASCII and non-ASCII text.
 */
export async function runWorkload(
  client: HttpClient,
  ledger: Ledger,
  { accounts, mix, signal, tag = 'w', unavailable }: WorkloadOptions,
): Promise<void> {
  const users = new VirtualUsers(client, ledger, tag, accounts, unavailable);
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
  await Promise.all(
    accounts.map(async (me) => {
      while (!signal.aborted) {
        if (me.stale && !(await users.signIn(me))) {
          await sleep(20);
          continue;
        }
        await users.operations[pick()](me);
      }
    }),
  );
}
