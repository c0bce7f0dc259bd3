/**
 * Accounts for the writes: users with a password, signed in through the app, whose sessions
 * are in the database that both servers get copies of, so that the app's access tokens work on
 * both. And the cost of one argon2id hash on this machine, which bounds sign-in throughput.
 */
import { argon2Sync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { type BenchConfig, JWT_SECRET } from './config';
import { checkpoint, databaseUrl } from './databases';
import { runNode, withServers } from './processes';
import { startApp } from './servers';

/** A user signed in through the app's `POST /auth/login`. */
export interface SignedIn {
  id: number;
  username: string;
  sessionId: number;
  accessToken: string;
}

export interface Accounts {
  /** The one password of every prepared user (set by the app's `set-password --generate`). */
  password: string;
  /** The argon2id parameters of the app's hash, `m=…,t=…,p=…`: the raw baseline uses them. */
  argon2Params: string;
  /** One session each, in the database. */
  users: SignedIn[];
  /** A user without a password (the seed's bulk users have none): sign-in must fail. */
  withoutPassword: string;
  /** An access token whose session was ended by `POST /auth/logout`. */
  revokedToken: string;
  /** An access token whose session has expired (moved into the past in the database). */
  expiredSessionToken: string;
  /** When the first access token expires, ms since the epoch: the load must end before. */
  validUntil: number;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

const GENERATED = /\(shown once\): (\S+)$/m;
const ARGON2_PARAMS = /^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$/;
/** Sign-ins in flight while preparing: enough to keep both cores hashing. */
const SIGN_IN_CONCURRENCY = 4;

/**
 * Prepares the accounts in `file` itself (the writes and the memory check then copy it):
 * 1. the app's `set-password --generate` gives the first of `config.accounts` users a random
 *    password (argon2id, the app's parameters), and that hash is copied to the others: one
 *    hash, verified at the same cost whatever its salt;
 * 2. the app, started on `file`, signs each of them in (`POST /auth/login`): a session and a
 *    refresh token each, and an access token signed with the bench's JWT_SECRET;
 * 3. two more sessions for the rejections: one ended by `POST /auth/logout`, one whose expiry
 *    is then moved into the past (the app deletes it when it starts; the raw server's query
 *    finds it expired; both must refuse its token alike).
 */
export async function prepareAccounts(config: BenchConfig, file: string): Promise<Accounts> {
  if (config.accounts < 3) {
    throw new Error('the verification needs at least 3 accounts');
  }
  const candidates = readUsers(file, config.accounts + 1);
  if (candidates.length <= config.accounts) {
    throw new Error(`${file} has fewer than ${config.accounts + 1} users`);
  }
  const chosen = candidates.slice(0, config.accounts);
  const withoutPassword = candidates[config.accounts].username;

  const { stdout } = await runNode(
    'set-password',
    [join(config.distDir, 'src', 'console', 'set-password.js'), chosen[0].username, '--generate'],
    // JWT_SECRET: the environment's validation wants one if NODE_ENV=production is set.
    { DATABASE_URL: databaseUrl(file), LOG_LEVEL: 'warn', JWT_SECRET },
  );
  const password = GENERATED.exec(stdout)?.[1];
  if (!password) {
    throw new Error(`set-password did not print the generated password:\n${stdout}`);
  }
  const hash = copyPasswordHash(file, chosen);
  const argon2Params = ARGON2_PARAMS.exec(hash)?.[1];
  if (!argon2Params) {
    throw new Error(`the app's password hash is not argon2id: ${hash.slice(0, 30)}...`);
  }

  const prepared = await withServers([() => startApp(config, file)], async ([app]) => {
    const signIn = async (username: string): Promise<TokenPair> => {
      const res = await fetch(`${app.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: username, password }),
      });
      const text = await res.text();
      if (res.status !== 200) {
        throw new Error(`POST /auth/login as ${username}: ${res.status} ${text}`);
      }
      return JSON.parse(text) as TokenPair;
    };
    const users: SignedIn[] = new Array<SignedIn>(chosen.length);
    let next = 0;
    const worker = async () => {
      while (next < chosen.length) {
        const i = next++;
        const { accessToken } = await signIn(chosen[i].username);
        users[i] = { ...chosen[i], sessionId: sessionOf(accessToken), accessToken };
      }
    };
    await Promise.all(Array.from({ length: SIGN_IN_CONCURRENCY }, worker));

    const revoked = await signIn(chosen[1].username);
    const res = await fetch(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${revoked.accessToken}`,
      },
      body: JSON.stringify({ refreshToken: revoked.refreshToken }),
    });
    if (res.status !== 204) {
      throw new Error(`POST /auth/logout: ${res.status} ${await res.text()}`);
    }
    const expiring = await signIn(chosen[2].username);
    return { users, revokedToken: revoked.accessToken, expiringToken: expiring.accessToken };
  });
  expireSession(file, sessionOf(prepared.expiringToken));
  checkpoint(file);

  const expiries = prepared.users.map((u) => (decodeJwt(u.accessToken).exp ?? 0) * 1000);
  return {
    password,
    argon2Params,
    users: prepared.users,
    withoutPassword,
    revokedToken: prepared.revokedToken,
    expiredSessionToken: prepared.expiringToken,
    validUntil: Math.min(...expiries),
  };
}

/** Fails before a phase whose load would outlive the access tokens. */
export function assertTokensValid(accounts: Accounts, forSec: number, phase: string): void {
  const left = (accounts.validUntil - Date.now()) / 1000;
  if (left < forSec + 30) {
    throw new Error(
      `the access tokens expire in ${Math.round(left)} s, too soon for ${phase} (${forSec} s)`,
    );
  }
}

function sessionOf(accessToken: string): number {
  const { sid } = decodeJwt(accessToken);
  if (typeof sid !== 'number') {
    throw new Error('an access token from the app has no numeric sid');
  }
  return sid;
}

function readUsers(file: string, count: number): { id: number; username: string }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[number], { id: number; username: string }>(
        'SELECT id, username FROM user WHERE password_hash IS NULL ORDER BY id LIMIT ?',
      )
      .all(count);
  } finally {
    db.close();
  }
}

/** Copies the hash set-password wrote for the first user to the others; returns it. */
function copyPasswordHash(file: string, users: { id: number }[]): string {
  const db = new Database(file, { fileMustExist: true });
  try {
    const { hash } = db
      .prepare<[number], { hash: string | null }>(
        'SELECT password_hash AS hash FROM user WHERE id = ?',
      )
      .get(users[0].id)!;
    if (!hash) {
      throw new Error(`set-password left user ${users[0].id} without a password hash`);
    }
    const update = db.prepare<[string, number]>('UPDATE user SET password_hash = ? WHERE id = ?');
    db.transaction(() => users.slice(1).forEach((u) => update.run(hash, u.id)))();
    return hash;
  } finally {
    db.close();
  }
}

function expireSession(file: string, sessionId: number): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    const { changes } = db
      .prepare<[number, number]>('UPDATE auth_session SET expires_at = ? WHERE id = ?')
      .run(Date.now() - 60_000, sessionId);
    if (changes !== 1) {
      throw new Error(`no session ${sessionId} to expire`);
    }
  } finally {
    db.close();
  }
}

/** What one password hash costs here, for the parameters given. */
export interface HashCost {
  params: string;
  /** One hash on one thread: CPU and wall time, ms. */
  cpuMs: number;
  wallMs: number;
  samples: number;
}

/**
 * Times `samples` argon2id hashes with the app's parameters (after one untimed), one after the
 * other on this thread, while no server runs: the CPU that the hash of one sign-in takes. CPU
 * time, not wall time, so that other processes on the machine barely move it.
 */
export function measureHashCost(params: string, samples: number): HashCost {
  const [m, t, p] = /^m=(\d+),t=(\d+),p=(\d+)$/.exec(params)!.slice(1).map(Number);
  const hash = () =>
    argon2Sync('argon2id', {
      message: 'correct horse battery staple',
      nonce: randomBytes(16),
      parallelism: p,
      tagLength: 32,
      memory: m,
      passes: t,
    });
  hash();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < samples; i++) {
    hash();
  }
  const wallMs = (performance.now() - started) / samples;
  const used = process.cpuUsage(cpu);
  return { params, cpuMs: (used.user + used.system) / 1000 / samples, wallMs, samples };
}
