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
 * so the disk-space advice ends in a restart of the worker, not in `execute` again (git-lfs is
 * looked for anew before every new slot: installing it is enough). Retryable: another
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
  if (kind === 'lfs_missing') {
    const why = (error as { why?: string }).why ?? 'filter=lfs in its .gitattributes';
    return {
      kind,
      reason:
        `${repoRoot} uses Git LFS (${why}) but git-lfs is not installed on this worker: install it ` +
        '(the worker sees it at its next new slot, no restart needed)',
    };
  }
  return null;
}

/** Longest error text a failed attempt's reason carries (a result's reason holds 10,000). */
const MAX_ERROR_TEXT = 4000;

/**
 * The failed attempt for any error of the worker's pool: a refusal as above, else kind `setup`
 * (the kind of a local attempt whose worktree could not be made ready) with the error's words:
 * a git error's message (its command, exit code and stderr), or its stderr when the message
 * lacks it. Retryable as any failed attempt: the coordinator's policy decides.
 */
export function workerSlotFailure(
  error: unknown,
  repoRoot: string,
): { kind: SlotRefusalKind | 'setup'; reason: string } {
  const refusal = workerSlotRefusal(error, repoRoot);
  if (refusal) return refusal;
  return { kind: 'setup', reason: `no worktree for the attempt: ${errorText(error)}` };
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const stderr = (error as { stderr?: unknown } | null)?.stderr;
  const text =
    typeof stderr === 'string' && stderr.trim() !== '' && !message.includes(stderr.trim())
      ? `${message}: ${stderr.trim()}`
      : message;
  const oneLine = text.trim().replace(/\s*\n\s*/g, ' | ');
  return oneLine.length > MAX_ERROR_TEXT ? `${oneLine.slice(0, MAX_ERROR_TEXT - 1)}…` : oneLine;
}
