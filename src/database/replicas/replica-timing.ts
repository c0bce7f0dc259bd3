/** How often each read replica is probed for reachability and replication lag, in ms. */
export const REPLICA_PROBE_INTERVAL_MS = 1000;

/** How long a probe waits for a replica's (and the primary's) answer, in ms. */
export const REPLICA_PROBE_TIMEOUT_MS = 500;

/**
 * How long a replica gets, in ms, to accept a connection or to answer a read (which then runs on
 * the primary instead): a replica that hangs costs a read this much at most.
 */
export const REPLICA_TIMEOUT_MS = 1000;

/**
 * How long a probe's verdict holds, in ms: until the next probe (they start every interval) has
 * had its time to answer, with half a second to spare for a busy event loop. A replica not heard
 * from for longer counts as down, so a read never trusts an old verdict.
 */
export const REPLICA_VERDICT_TTL_MS = REPLICA_PROBE_INTERVAL_MS + REPLICA_PROBE_TIMEOUT_MS + 500;

/**
 * The stalest a replica can be when a read uses it, in ms: its lag when last probed (at most
 * `maxLag`), plus the time the verdict holds. Writes older than this are on every replica in use;
 * `READ_YOUR_WRITES_WINDOW` must be longer.
 */
export function maxStaleness(maxLag: number): number {
  return maxLag + REPLICA_VERDICT_TTL_MS;
}
