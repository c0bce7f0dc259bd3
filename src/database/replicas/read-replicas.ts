import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { ReadRouting } from './read-routing';
import {
  REPLICA_PROBE_INTERVAL_MS,
  REPLICA_PROBE_TIMEOUT_MS,
  REPLICA_TIMEOUT_MS,
  REPLICA_VERDICT_TTL_MS,
} from './replica-timing';
import { parseLsn, type PrimarySample, replicationLag } from './replication-lag';

/**
 * `up`: serves reads. `lagging`: reachable, but further behind than `REPLICA_MAX_LAG`. `down`:
 * unreachable, not a standby, or not heard from lately. Only `up` replicas serve reads.
 */
export type ReplicaStatus = 'up' | 'lagging' | 'down';

/** One replica as `/health` shows it: never its URL. */
export interface ReplicaHealth {
  name: string;
  status: ReplicaStatus;
  /** Its replication lag in ms when last probed; null when unknown (down, or never replayed). */
  lagMs: number | null;
}

/** A replica to send compiled queries to: the Kysely instance of its MikroORM connection. */
export interface ReplicaClient {
  name: string;
  /** Where it is, for the log: `host:port/db`, never the password. */
  location: string;
  client: () => Kysely<unknown>;
}

export interface ReadReplicasOptions {
  /** `REPLICA_MAX_LAG`, ms. */
  maxLagMs: number;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  timeoutMs?: number;
  verdictTtlMs?: number;
  now?: () => number;
}

/** The primary's WAL positions kept, one per probe: the last minute's. */
const HISTORY = 60;

/** The replica probe: what it replays up to, and how long ago its last replayed commit was. */
const PROBE_REPLICA = CompiledQuery.raw(
  'select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replay_lsn, ' +
    '(extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000)::float8 as replay_age_ms',
);
const PROBE_PRIMARY = CompiledQuery.raw('select pg_current_wal_lsn()::text as lsn');

interface ProbeRow {
  standby: boolean;
  replay_lsn: string | null;
  replay_age_ms: number | null;
}

class ReplicaTimeout extends Error {
  override name = 'ReplicaTimeout';
}

class Replica {
  status: ReplicaStatus = 'down';
  lagMs: number | null = null;
  /** When the probe that gave `status` began (ms); a verdict older than the TTL is void. */
  verdictAt = -Infinity;
  /** When a read last found it unreachable (ms): a probe begun before that cannot undo it. */
  failedAt = -Infinity;
  /** Whether its status has been logged yet. */
  reported = false;
  /** A probe's query that has not settled (not even failed): a hung connection. */
  probing = false;

  constructor(readonly source: ReplicaClient) {}

  get name(): string {
    return this.source.name;
  }

  /** How the log names it. */
  get label(): string {
    return `${this.source.name} (${this.source.location})`;
  }
}

/**
 * The read replicas (`DATABASE_REPLICA_URLS`), their health, and the one place that sends a read
 * to one of them:
 *
 * - A probe every second asks each replica (and the primary) for its replication lag, see
 *   `replicationLag()`, and waits `REPLICA_PROBE_TIMEOUT_MS` for the answers. A replica is `up` while it answers and lags by at most `maxLagMs`;
 *   `lagging` past that; `down` when it does not answer in time, is not a standby, or has not
 *   answered a probe lately (a verdict holds for `REPLICA_VERDICT_TTL_MS`).
 * - `read()` runs a query on an `up` replica, in turn, when the code runs where reads may go to a
 *   replica (`ReadRouting`); otherwise, or when none is up, on the primary. A read that fails on
 *   the replica, or takes longer than `REPLICA_TIMEOUT_MS`, runs once more on the primary, so a
 *   replica going away costs no request; if the replica's connection failed, it counts as `down`
 *   until a probe gets an answer from it again.
 *
 * Each change of a replica's status is logged once, with its reason (never its URL).
 */
export class ReadReplicas implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: Replica[];
  private readonly history: PrimarySample[] = [];
  private next = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly maxLagMs: number;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly timeoutMs: number;
  /** When the last probe began: they begin every interval, however long each takes. */
  private lastProbe = -Infinity;
  private readonly verdictTtlMs: number;
  private readonly now: () => number;

  constructor(
    replicas: readonly ReplicaClient[],
    /** The primary, for its WAL position. */
    private readonly primary: () => Kysely<unknown>,
    options: ReadReplicasOptions,
  ) {
    this.replicas = replicas.map((source) => new Replica(source));
    this.maxLagMs = options.maxLagMs;
    this.probeIntervalMs = options.probeIntervalMs ?? REPLICA_PROBE_INTERVAL_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? REPLICA_PROBE_TIMEOUT_MS;
    this.timeoutMs = options.timeoutMs ?? REPLICA_TIMEOUT_MS;
    this.verdictTtlMs = options.verdictTtlMs ?? REPLICA_VERDICT_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** No replicas: every read on the primary. */
  static none(): ReadReplicas {
    return new ReadReplicas(
      [],
      () => {
        throw new Error('no read replicas');
      },
      { maxLagMs: 0 },
    );
  }

  /** Whether there are replicas at all. */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** Each replica's status, for `/health`. */
  health(): ReplicaHealth[] {
    const now = this.now();
    return this.replicas.map((replica) => {
      const status = this.trusted(replica, now) ? replica.status : 'down';
      return { name: replica.name, status, lagMs: status === 'down' ? null : replica.lagMs };
    });
  }

  /** Probes once at start-up (so the first requests already read from the replicas), then on. */
  async onModuleInit(): Promise<void> {
    if (!this.configured) {
      return;
    }
    await this.probe();
    this.schedule();
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /**
   * Runs `query` where the current code's reads go (`ReadRouting`): on an `up` replica, in turn,
   * falling back on `primary()` when there is none, or when the replica fails or is too slow.
   */
  async read<R>(
    query: CompiledQuery,
    primary: () => Promise<QueryResult<R>>,
  ): Promise<QueryResult<R>> {
    const replica = ReadRouting.current() === 'replica' ? this.pick() : undefined;
    if (!replica) {
      return primary();
    }
    try {
      return await this.withTimeout(replica.source.client().executeQuery<R>(query), this.timeoutMs);
    } catch (err) {
      if (isConnectionFailure(err)) {
        replica.failedAt = this.now();
        this.setStatus(replica, 'down', reasonOf(err), null);
      }
      return primary();
    }
  }

  /** Probes every replica once, with the primary's WAL position to measure their lag against. */
  async probe(): Promise<void> {
    const at = this.now();
    this.lastProbe = at;
    const [current, ...answers] = await Promise.all([
      this.samplePrimary(at),
      ...this.replicas.map((replica) => this.ask(replica)),
    ]);
    this.replicas.forEach((replica, i) => this.judge(replica, answers[i], current, at));
    if (current) {
      this.history.push(current);
      if (this.history.length > HISTORY) {
        this.history.shift();
      }
    }
  }

  /** The primary's WAL position; none if it does not answer (its trouble shows elsewhere). */
  private async samplePrimary(at: number): Promise<PrimarySample | undefined> {
    try {
      const { rows } = await this.withTimeout(
        this.primary().executeQuery<{ lsn: string }>(PROBE_PRIMARY),
        this.probeTimeoutMs,
      );
      return { lsn: parseLsn(rows[0].lsn), at };
    } catch {
      return undefined;
    }
  }

  /** The replica's answer to the probe, or why there is none. */
  private async ask(replica: Replica): Promise<ProbeRow | Error> {
    if (replica.probing) {
      // Another probe on a hung connection would only hang too, and hold one more.
      return new ReplicaTimeout('the last probe is still unanswered');
    }
    replica.probing = true;
    const query = replica.source.client().executeQuery<ProbeRow>(PROBE_REPLICA);
    void query.finally(() => (replica.probing = false)).catch(() => undefined);
    try {
      return (await this.withTimeout(query, this.probeTimeoutMs)).rows[0];
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private judge(
    replica: Replica,
    answer: ProbeRow | Error,
    current: PrimarySample | undefined,
    at: number,
  ): void {
    if (replica.failedAt > at) {
      return; // a read found it down while this probe ran: the next probe decides
    }
    replica.verdictAt = at;
    if (answer instanceof Error) {
      this.setStatus(replica, 'down', reasonOf(answer), null);
      return;
    }
    if (!answer.standby || answer.replay_lsn === null) {
      this.setStatus(replica, 'down', 'not a standby: pg_is_in_recovery() is false', null);
      return;
    }
    const lag = replicationLag(
      { replayLsn: parseLsn(answer.replay_lsn), replayAgeMs: answer.replay_age_ms },
      current,
      this.history,
      this.now(),
    );
    if (lag <= this.maxLagMs) {
      this.setStatus(replica, 'up', '', lag);
    } else {
      const shown = Number.isFinite(lag) ? `${Math.round(lag)} ms` : 'unknown';
      this.setStatus(replica, 'lagging', `lag ${shown} > REPLICA_MAX_LAG ${this.maxLagMs} ms`, lag);
    }
  }

  /** Records a replica's status, and logs it when it changes (and the first time). */
  private setStatus(
    replica: Replica,
    status: ReplicaStatus,
    reason: string,
    lagMs: number | null,
  ): void {
    replica.lagMs = lagMs === null || !Number.isFinite(lagMs) ? null : Math.round(lagMs);
    const changed = status !== replica.status || !replica.reported;
    replica.status = status;
    if (!changed || this.closed) {
      return;
    }
    const again = replica.reported ? ' again' : '';
    replica.reported = true;
    if (status === 'up') {
      this.logger.log(`${replica.label} is up${again} (lag ${replica.lagMs} ms): reads go to it`);
    } else {
      this.logger.warn(`${replica.label} is ${status} (${reason}): its reads go to the primary`);
    }
  }

  /** The next `up` replica whose verdict still holds, in turn. */
  private pick(): Replica | undefined {
    const now = this.now();
    for (let i = 0; i < this.replicas.length; i++) {
      const replica = this.replicas[(this.next + i) % this.replicas.length];
      if (replica.status === 'up' && this.trusted(replica, now)) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return replica;
      }
    }
    return undefined;
  }

  private trusted(replica: Replica, now: number): boolean {
    return now - replica.verdictAt <= this.verdictTtlMs;
  }

  private schedule(): void {
    if (this.closed) {
      return;
    }
    const delay = Math.max(0, this.lastProbe + this.probeIntervalMs - this.now());
    this.timer = setTimeout(() => {
      void this.probe().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReplicaTimeout(`no answer in ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/**
 * Whether an error means the replica cannot be reached (rather than that this one query failed,
 * e.g. cancelled by a recovery conflict): no answer in time, a client-side error without a
 * SQLSTATE (refused, reset, closed, pool timeout), or SQLSTATE class 08 (connection exception)
 * or 57P (shutting down, starting up).
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof ReplicaTimeout) {
    return true;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return code.startsWith('08') || code.startsWith('57P');
  }
  return true;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}
