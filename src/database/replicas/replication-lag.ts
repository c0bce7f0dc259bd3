/** A PostgreSQL WAL position (`pg_lsn`, written `16/B374D848`), as a number that compares. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (!match) {
    throw new Error(`not a WAL position: ${text}`);
  }
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The primary's WAL position (`pg_current_wal_lsn()`), and when it was asked for (ms). */
export interface PrimarySample {
  lsn: bigint;
  at: number;
}

/** What a replica says about itself. */
export interface ReplicaSample {
  /** `pg_last_wal_replay_lsn()`: every change up to here is visible on the replica. */
  replayLsn: bigint;
  /**
   * `now() - pg_last_xact_replay_timestamp()` in ms: how long ago the last transaction it
   * replayed committed on the primary; null before it has replayed any.
   */
  replayAgeMs: number | null;
}

/**
 * How stale a replica's data may be, in ms: an upper bound on how long ago the oldest write it is
 * missing was committed on the primary; 0 when it misses nothing. Three facts bound it:
 *
 * - It has replayed the primary's WAL up to where the primary was when this probe began
 *   (`current`): it misses nothing. This is what makes an idle primary read as no lag (then
 *   `now() - pg_last_xact_replay_timestamp()` grows for ever, though nothing is missing).
 * - It has replayed up to where the primary was at an earlier probe (`history`): it misses at
 *   most what was committed since then, so its lag is at most the time since that probe.
 * - Its last replayed transaction committed `replayAgeMs` ago, and transactions replay in commit
 *   order: it misses at most what was committed since. Under steady writes this is the tight one
 *   (milliseconds); it depends on the two servers' clocks agreeing.
 *
 * The result is the smallest bound that applies; `Infinity` when none does (a replica that has
 * replayed nothing, behind every sample there is).
 */
export function replicationLag(
  replica: ReplicaSample,
  current: PrimarySample | undefined,
  history: readonly PrimarySample[],
  now: number,
): number {
  if (current && replica.replayLsn >= current.lsn) {
    return 0;
  }
  let lag = replica.replayAgeMs ?? Infinity;
  for (const sample of history) {
    if (replica.replayLsn >= sample.lsn) {
      lag = Math.min(lag, now - sample.at);
    }
  }
  return Math.max(0, lag);
}
