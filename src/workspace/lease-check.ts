import { LockedError } from '../errors.js';
import type { LeaseClaimant } from '../store/lease.js';
import { isLeaseStale, isSameHolder } from '../store/lease.js';
import { isPidAlive } from '../store/pid-alive.js';
import type { Store } from '../store/store.js';

/**
 * Refuses (exit 3) when a live coordinator holds the milestone, before a command writes or
 * prints anything. The engine still takes the lease itself; this only makes the refusal early.
 */
export function refuseIfLocked(
  store: Store,
  milestoneId: string,
  me: LeaseClaimant,
  staleAfterMs = 15_000,
): void {
  const holder = store.lease(milestoneId);
  if (!holder || isSameHolder(holder, me)) return;
  if (isLeaseStale(holder, me, { now: new Date(), staleAfterMs, isAlive: isPidAlive })) return;
  throw new LockedError(
    `milestone ${milestoneId} is being executed by pid ${holder.pid} on ${holder.host} (since ${holder.startedAt})`,
    holder,
  );
}
