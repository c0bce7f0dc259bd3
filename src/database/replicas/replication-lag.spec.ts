import { parseLsn, type PrimarySample, replicationLag } from './replication-lag';

describe('parseLsn', () => {
  it('reads a pg_lsn as one number, so that positions compare', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
  });

  it.each(['', '0', '0/', 'G/1', '1/2/3', '123456789/0'])('refuses %j', (text) => {
    expect(() => parseLsn(text)).toThrow(/not a WAL position/);
  });
});

describe('replicationLag', () => {
  const now = 100_000;
  const at = (lsn: bigint, msAgo: number): PrimarySample => ({ lsn, at: now - msAgo });

  it('is 0 when the replica has replayed all the primary had when the probe began', () => {
    expect(replicationLag({ replayLsn: 500n, replayAgeMs: 3 }, at(500n, 2), [], now)).toBe(0);
    expect(replicationLag({ replayLsn: 600n, replayAgeMs: 3 }, at(500n, 2), [], now)).toBe(0);
  });

  it('is 0 on an idle primary, however long ago the last transaction was replayed', () => {
    // Nothing written for an hour: now() - pg_last_xact_replay_timestamp() reads an hour, but
    // the replica misses nothing.
    const idle = { replayLsn: 500n, replayAgeMs: 3_600_000 };
    expect(replicationLag(idle, at(500n, 1), [at(500n, 1001), at(500n, 2001)], now)).toBe(0);
  });

  it('under steady writes, is how long ago its last replayed transaction committed', () => {
    const replica = { replayLsn: 900n, replayAgeMs: 4 };
    expect(replicationLag(replica, at(1000n, 1), [at(800n, 1001)], now)).toBe(4);
  });

  it('after a burst on an idle primary, is at most the time since a probe it had caught up with', () => {
    // Idle for an hour, then writes just now that the replica has not replayed yet.
    const replica = { replayLsn: 500n, replayAgeMs: 3_600_000 };
    const history = [at(400n, 2001), at(500n, 1001)];
    expect(replicationLag(replica, at(700n, 1), history, now)).toBe(1001);
  });

  it('takes the most recent sample the replica has caught up with', () => {
    const replica = { replayLsn: 650n, replayAgeMs: null };
    const history = [at(300n, 3001), at(600n, 2001), at(700n, 1001)];
    expect(replicationLag(replica, at(800n, 1), history, now)).toBe(2001);
  });

  it('is Infinity when no bound applies: behind every sample, and nothing replayed yet', () => {
    const replica = { replayLsn: 100n, replayAgeMs: null };
    expect(replicationLag(replica, at(800n, 1), [at(700n, 1001)], now)).toBe(Infinity);
    expect(replicationLag(replica, undefined, [], now)).toBe(Infinity);
  });

  it('does without the current sample when the primary did not answer', () => {
    const replica = { replayLsn: 500n, replayAgeMs: 60_000 };
    expect(replicationLag(replica, undefined, [at(500n, 1001)], now)).toBe(1001);
    expect(replicationLag(replica, undefined, [], now)).toBe(60_000);
  });

  it('is never negative, should the replica clock run behind the primary', () => {
    expect(replicationLag({ replayLsn: 1n, replayAgeMs: -40 }, at(9n, 1), [], now)).toBe(0);
  });
});
