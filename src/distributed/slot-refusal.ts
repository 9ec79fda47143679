import type { SlotRefusalKind } from '../engine/slot-space.js';
import { describeShortfall, type SlotSpaceShortfall, slotRefusalKind } from '../engine/slot-space.js';

/** A worker's refusal to make an attempt's worktree slot, as the failed attempt reports it. */
export interface WorkerSlotRefusal {
  kind: SlotRefusalKind;
  reason: string;
}

/**
 * The failed attempt for a slot the worker's pool refused (slot-space.ts, slot-lfs.ts), or null
 * for any other error. Worded for the worker's clone: its config is read when the worker starts,
 * so the advice ends in a restart of the worker, not in `execute` again. Retryable: another
 * worker, or this one once space is freed, can run the task.
 */
export function workerSlotRefusal(error: unknown, repoRoot: string): WorkerSlotRefusal | null {
  const kind = slotRefusalKind(error);
  if (kind === 'disk_space') {
    const shortfall = (error as { shortfall?: SlotSpaceShortfall }).shortfall;
    if (!shortfall) return { kind, reason: (error as Error).message };
    return {
      kind,
      reason:
        `not enough disk space for a new worktree slot in ${shortfall.dir}: ${describeShortfall(shortfall)}; ` +
        `free space there, or set limits.minFreeMb or worktrees.dir in ${repoRoot}/.milestones/config.yaml ` +
        'and restart the worker',
    };
  }
  if (kind === 'lfs_missing')
    return {
      kind,
      reason:
        `${repoRoot} uses Git LFS (filter.lfs in its git config) but git-lfs is not installed on this ` +
        'worker: install it, then restart the worker',
    };
  return null;
}
