import { Logger } from '@nestjs/common';
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { ReadReplicas } from './read-replicas';
import { ReadRouting } from './read-routing';

/** A PostgreSQL server as the probe and the reads see it, driven by the test. */
class FakeServer {
  /** The primary's `pg_current_wal_lsn()`. */
  lsn = '0/1000';
  /** A replica's `pg_last_wal_replay_lsn()` and replay age. */
  replayLsn = '0/1000';
  replayAgeMs: number | null = 5;
  standby = true;
  failure?: Error;
  hang = false;
  reads = 0;

  constructor(readonly name: string) {}

  readonly executeQuery = jest.fn((query: CompiledQuery): Promise<QueryResult<unknown>> => {
    if (this.hang) {
      return new Promise(() => undefined);
    }
    if (this.failure) {
      return Promise.reject(this.failure);
    }
    if (query.sql.includes('pg_current_wal_lsn')) {
      return Promise.resolve({ rows: [{ lsn: this.lsn }] });
    }
    if (query.sql.includes('pg_is_in_recovery')) {
      const standby = this.standby;
      return Promise.resolve({
        rows: [
          {
            standby,
            replay_lsn: standby ? this.replayLsn : null,
            replay_age_ms: standby ? this.replayAgeMs : null,
          },
        ],
      });
    }
    this.reads++;
    return Promise.resolve({ rows: [{ servedBy: this.name }] });
  });

  get client(): Kysely<unknown> {
    return this as unknown as Kysely<unknown>;
  }
}

const READ = CompiledQuery.raw('select 1 as one');
const TIMEOUT = 1000;
const PROBE_TIMEOUT = 500;
const INTERVAL = 1000;

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:5432'), { code: 'ECONNREFUSED' });
}

describe('ReadReplicas', () => {
  let primary: FakeServer;
  let r1: FakeServer;
  let r2: FakeServer;
  let replicas: ReadReplicas;
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    primary = new FakeServer('primary');
    r1 = new FakeServer('replica-1');
    r2 = new FakeServer('replica-2');
    replicas = new ReadReplicas(
      [r1, r2].map((server, i) => ({
        name: server.name,
        location: `10.0.0.${i + 2}:5432/microblog`,
        client: () => server.client,
      })),
      () => primary.client,
      {
        maxLagMs: 2000,
        probeIntervalMs: INTERVAL,
        probeTimeoutMs: PROBE_TIMEOUT,
        timeoutMs: TIMEOUT,
        verdictTtlMs: 2000,
      },
    );
  });

  afterEach(() => {
    replicas.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Where a read goes, run as a public GET's handler would (or, with 'primary', anything else). */
  async function read(target: 'replica' | 'primary' = 'replica'): Promise<string> {
    const result = await ReadRouting.readFrom(target, () =>
      replicas.read(READ, () => primary.client.executeQuery(READ)),
    );
    return (result.rows[0] as { servedBy: string }).servedBy;
  }

  const logged = () => [...warn.mock.calls, ...log.mock.calls].flat().join('\n');

  it('reads from the up replicas in turn inside a replica route, from the primary elsewhere', async () => {
    await replicas.probe();
    expect(replicas.health()).toEqual([
      { name: 'replica-1', status: 'up', lagMs: 0 },
      { name: 'replica-2', status: 'up', lagMs: 0 },
    ]);
    await expect(read()).resolves.toBe('replica-1');
    await expect(read()).resolves.toBe('replica-2');
    await expect(read()).resolves.toBe('replica-1');
    await expect(read('primary')).resolves.toBe('primary');
    // No route at all (a guard, a background job, a console command): the primary.
    await expect(replicas.read(READ, () => primary.client.executeQuery(READ))).resolves.toEqual({
      rows: [{ servedBy: 'primary' }],
    });
  });

  it('reads from the primary before the first probe, and when no replica is up', async () => {
    await expect(read()).resolves.toBe('primary');
    r1.failure = refused();
    r2.failure = refused();
    await replicas.probe();
    await expect(read()).resolves.toBe('primary');
    expect(r1.reads + r2.reads).toBe(0);
  });

  it('skips a replica that lags past the bound, and takes it back once it catches up', async () => {
    await replicas.probe();
    // 3 s later, writes on the primary that replica-2 has not replayed: it has what the primary
    // had 3 s ago, and its last replayed commit was 10 s ago.
    jest.advanceTimersByTime(3000);
    primary.lsn = '0/9000';
    r1.replayLsn = '0/9000';
    r2.replayAgeMs = 10_000;
    await replicas.probe();
    expect(replicas.health()).toEqual([
      { name: 'replica-1', status: 'up', lagMs: 0 },
      { name: 'replica-2', status: 'lagging', lagMs: 3000 },
    ]);
    await expect(read()).resolves.toBe('replica-1');
    await expect(read()).resolves.toBe('replica-1');

    r2.replayLsn = '0/9000';
    await replicas.probe();
    expect(replicas.health()[1]).toEqual({ name: 'replica-2', status: 'up', lagMs: 0 });
  });

  it('measures no lag when nothing is written, however long ago the last commit was', async () => {
    r1.replayAgeMs = 3_600_000;
    await replicas.probe();
    jest.advanceTimersByTime(INTERVAL);
    await replicas.probe();
    expect(replicas.health()[0]).toEqual({ name: 'replica-1', status: 'up', lagMs: 0 });
  });

  it('bounds the lag of a replica behind a fresh write by the last probe it had caught up with', async () => {
    r1.replayAgeMs = 3_600_000;
    await replicas.probe();
    jest.advanceTimersByTime(INTERVAL);
    primary.lsn = '0/2000'; // a write after an hour of nothing, not replayed yet
    await replicas.probe();
    expect(replicas.health()[0]).toEqual({ name: 'replica-1', status: 'up', lagMs: INTERVAL });
  });

  it('runs a read whose replica refuses connections on the primary, and skips the replica until a probe reaches it', async () => {
    await replicas.probe();
    r1.failure = refused();
    await expect(read()).resolves.toBe('primary');
    expect(replicas.health()[0]).toEqual({ name: 'replica-1', status: 'down', lagMs: null });
    await expect(read()).resolves.toBe('replica-2');
    await expect(read()).resolves.toBe('replica-2');

    r1.failure = undefined;
    await replicas.probe();
    expect(replicas.health()[0].status).toBe('up');
    await expect(read()).resolves.toBe('replica-1');
  });

  it('runs a read cancelled by a recovery conflict on the primary, and keeps the replica', async () => {
    await replicas.probe();
    r1.failure = Object.assign(new Error('canceling statement due to conflict with recovery'), {
      code: '40001',
    });
    await expect(read()).resolves.toBe('primary');
    expect(replicas.health()[0].status).toBe('up');
  });

  it('gives up on a replica that hangs after the timeout, reads from the primary, and never piles probes on it', async () => {
    await replicas.probe();
    r1.hang = true;
    const reading = read();
    await jest.advanceTimersByTimeAsync(TIMEOUT);
    await expect(reading).resolves.toBe('primary');
    expect(replicas.health()[0].status).toBe('down');

    const probing = replicas.probe();
    await jest.advanceTimersByTimeAsync(PROBE_TIMEOUT);
    await probing;
    const asked = r1.executeQuery.mock.calls.length;
    // The probe's query is still hung: the next probes do not send another.
    await replicas.probe();
    await replicas.probe();
    expect(r1.executeQuery.mock.calls).toHaveLength(asked);
    expect(replicas.health()[0].status).toBe('down');
    await expect(read()).resolves.toBe('replica-2');
  });

  it('trusts a verdict only for its time to live', async () => {
    await replicas.probe();
    jest.advanceTimersByTime(2001);
    expect(replicas.health().map((r) => r.status)).toEqual(['down', 'down']);
    await expect(read()).resolves.toBe('primary');
  });

  it('counts a server that is not a standby as down', async () => {
    r2.standby = false;
    await replicas.probe();
    expect(replicas.health()[1]).toEqual({ name: 'replica-2', status: 'down', lagMs: null });
    expect(warn).toHaveBeenCalledWith(
      'replica-2 (10.0.0.3:5432/microblog) is down (not a standby: pg_is_in_recovery() is false): ' +
        'its reads go to the primary',
    );
  });

  it('logs each change of status once', async () => {
    await replicas.probe();
    expect(log.mock.calls.map(([line]) => line as string)).toEqual([
      'replica-1 (10.0.0.2:5432/microblog) is up (lag 0 ms): reads go to it',
      'replica-2 (10.0.0.3:5432/microblog) is up (lag 0 ms): reads go to it',
    ]);
    r1.failure = refused();
    for (let i = 0; i < 20; i++) {
      await read();
      await replicas.probe();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'replica-1 (10.0.0.2:5432/microblog) is down (connect ECONNREFUSED 10.0.0.2:5432): its ' +
        'reads go to the primary',
    );
    r1.failure = undefined;
    await replicas.probe();
    expect(log).toHaveBeenLastCalledWith(
      'replica-1 (10.0.0.2:5432/microblog) is up again (lag 0 ms): reads go to it',
    );
    expect(log).toHaveBeenCalledTimes(3);
  });

  it('probes at start-up, then every interval until destroyed', async () => {
    await replicas.onModuleInit();
    expect(replicas.health()[0].status).toBe('up');
    const probes = () =>
      r1.executeQuery.mock.calls.filter(([q]) => q.sql.includes('pg_is_in_recovery')).length;
    expect(probes()).toBe(1);
    await jest.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(probes()).toBe(4);
    replicas.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(probes()).toBe(4);
  });

  it('stands aside without replicas', async () => {
    const none = ReadReplicas.none();
    expect(none.configured).toBe(false);
    expect(none.health()).toEqual([]);
    await none.onModuleInit();
    await expect(
      ReadRouting.readFrom('replica', () =>
        none.read(READ, () => primary.client.executeQuery(READ)),
      ),
    ).resolves.toEqual({ rows: [{ servedBy: 'primary' }] });
    expect(logged()).toBe('');
  });
});
