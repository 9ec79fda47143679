/**
 * The coordinator lease as plain data, and the one decision about it: is a holder stale?
 * Pure: the clock and the liveness probe come in as arguments.
 */

/** Who holds a milestone's lease, as stored (one row per milestone). */
export interface LeaseHolder {
  pid: number;
  host: string;
  /** ISO-8601 time the holder acquired the lease. */
  startedAt: string;
  /** ISO-8601 time of the holder's last heartbeat. */
  heartbeatAt: string;
}

/** A process asking for, renewing or releasing a lease. */
export interface LeaseClaimant {
  pid: number;
  host: string;
}

/** What a staleness decision needs from the outside world. */
export interface LeaseCheck {
  now: Date;
  /** A heartbeat older than this (a few heartbeat intervals) may be taken over. */
  staleAfterMs: number;
  /** Whether a process of this host is still running (e.g. {@link isPidAlive}). */
  isAlive: (pid: number) => boolean;
}

/** Outcome of `acquireLease`: ours (perhaps taken over from a stale holder), or whose it is. */
export type LeaseResult =
  | { acquired: true; tookOverFrom?: LeaseHolder }
  | { acquired: false; holder: LeaseHolder };

/** Whether `holder` is the same process as `me`. */
export function isSameHolder(holder: LeaseClaimant, me: LeaseClaimant): boolean {
  return holder.pid === me.pid && holder.host === me.host;
}

/** On our own host a live holder is trusted this many stale periods before a pid reuse is assumed. */
export const LIVE_HOLDER_PATIENCE = 10;

/**
 * Whether a lease may be taken over. On our own host the pid decides: a dead holder (a
 * coordinator killed with `kill -9`) is stale at once, so resuming never waits; a live one is
 * trusted until its heartbeat is {@link LIVE_HOLDER_PATIENCE} stale periods old (by then the pid
 * was reused, e.g. after a reboot). On another host we cannot see its processes, so only the
 * heartbeat's age counts. An unreadable heartbeat counts as infinitely old.
 */
export function isLeaseStale(holder: LeaseHolder, me: LeaseClaimant, check: LeaseCheck): boolean {
  const beat = Date.parse(holder.heartbeatAt);
  const age = Number.isFinite(beat) ? check.now.getTime() - beat : Number.POSITIVE_INFINITY;
  if (holder.host !== me.host) return age > check.staleAfterMs;
  if (!check.isAlive(holder.pid)) return true;
  return age > check.staleAfterMs * LIVE_HOLDER_PATIENCE;
}
