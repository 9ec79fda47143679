import type { MilestoneEvent } from '../core/events.js';
import type { TaskSpec } from '../core/types.js';
import { deleteBranch, gitExec, identityArgs } from '../git/git.js';
import { stageWork } from './task-attempt.js';
import type { AcquiredSlot, WorktreePool } from './worktree-pool.js';

/**
 * The `worktree` outcome of an attempt: which slot, whether it was reused, and how long the
 * checkout and the preparation (links, copies, setup) took: the `setup` step of the metrics.
 */
export function slotPrepared(taskId: string, attempt: number, slot: AcquiredSlot): MilestoneEvent {
  return {
    type: 'outcome',
    step: 'worktree',
    taskId,
    ok: slot.setup.error === null,
    detail: {
      attempt,
      slot: slot.slot,
      reused: slot.reused,
      checkoutMs: slot.checkoutMs,
      prepareMs: slot.setup.durationMs,
      setupRan: slot.setup.setupRan,
      ...(slot.setup.error !== null && { reason: slot.setup.error }),
    },
  };
}

/**
 * Commits what a failed task left in its worktree onto its branch (no trailers: it never lands
 * by itself), so a person can inspect or finish it. True when the branch holds the attempt.
 */
export async function keepFailedBranch(
  worktree: string,
  task: TaskSpec,
  reason: string,
  ownPaths: string[],
): Promise<boolean> {
  await stageWork(worktree, ownPaths);
  const staged = await gitExec(worktree, ['diff', '--cached', '--quiet'], { allowExitCodes: [1] });
  if (staged.exitCode === 1) {
    const identity = await identityArgs(worktree);
    await gitExec(worktree, [...identity, 'commit', '-q', '--no-verify', '-F', '-'], {
      input: `wip(${task.phase}): ${task.title} (failed)\n\n${reason}\n`,
    });
  }
  return true;
}

/** Frees the slot of an attempt that leaves nothing to keep: detached, the task branch deleted. */
export async function freeSlot(
  pool: WorktreePool,
  repoRoot: string,
  path: string,
  branch: string | null,
): Promise<void> {
  await pool.release(path, { detach: true });
  if (branch) await deleteBranch(repoRoot, branch, { force: true }).catch(() => undefined);
}

/**
 * A task that failed for good keeps what it did: uncommitted changes become a commit on its
 * branch (no trailers: it never lands by itself), and with `keepAt` (`--keep-failed`) its
 * worktree is moved out of the pool there. Null when nothing could be kept.
 */
export async function keepFailedWork(
  pool: WorktreePool,
  input: {
    task: TaskSpec;
    slot: string;
    reason: string;
    ownPaths: string[];
    keepAt: string | null;
    /** A direct-style slot is detached: its work goes on this new branch first. */
    newBranch?: string | undefined;
  },
): Promise<{ worktree: string | null } | null> {
  const onBranch = input.newBranch
    ? gitExec(input.slot, ['switch', '-q', '-C', input.newBranch]).then(() => true)
    : Promise.resolve(true);
  const kept = await onBranch
    .then(() => keepFailedBranch(input.slot, input.task, input.reason, input.ownPaths))
    .catch(() => false);
  if (!kept) return null;
  if (input.keepAt === null) {
    await pool.release(input.slot, { detach: true });
    return { worktree: null };
  }
  await pool.retire(input.slot, input.keepAt);
  return { worktree: input.keepAt };
}
