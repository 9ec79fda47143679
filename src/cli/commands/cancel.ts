import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { recoverMilestone } from '../../engine/recovery.js';
import { LockedError, UsageError } from '../../errors.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { isPidAlive } from '../../store/pid-alive.js';
import { clearCancelling, markCancelling } from '../../workspace/cancel-marker.js';
import { cancelledAdvice } from '../../workspace/cancelled-advice.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';

export interface CancelOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  env?: Record<string, string | undefined>;
  /** How long to wait for a running coordinator to stop. */
  waitMs?: number;
}

/**
 * Cancels a milestone: a coordinator running on this machine is asked to stop (SIGTERM) and
 * awaited, leftover agents and worktrees are removed, and the milestone is marked `cancelled`.
 * What already landed on the milestone branch stays there.
 */
export async function cancel(options: CancelOptions): Promise<void> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  let marked: string | undefined;
  try {
    await withExistingStore(workspace, async (store) => {
      const state = resolveMilestone(store, options.id);
      marked = state.id;
      if (state.status === 'cancelled') throw new UsageError('MILESTONE_NOT_RUNNING', cancelledAdvice(state));
      if (state.status === 'completed') {
        throw new UsageError(
          'MILESTONE_NOT_RUNNING',
          `milestone ${state.id} is already completed; \`milestone finish ${state.id}\` merges it, \`milestone rm ${state.id}\` deletes it`,
        );
      }
      const me = { pid: process.pid, host: hostname() };
      const holder = store.lease(state.id);
      if (holder && holder.host !== me.host) {
        throw new LockedError(
          `milestone ${state.id} is executing on ${holder.host} (pid ${holder.pid}); cancel it there`,
          holder,
        );
      }
      if (holder && isPidAlive(holder.pid)) {
        options.io.err(`stopping the coordinator (pid ${holder.pid})...`);
        // So the coordinator says it was cancelled, not interrupted (resumable): see cancel-marker.ts.
        markCancelling(workspace.storeDir, state.id);
        process.kill(holder.pid, 'SIGTERM');
        const deadline = Date.now() + (options.waitMs ?? 60_000);
        while (store.lease(state.id) && isPidAlive(holder.pid) && Date.now() < deadline) await sleep(200);
        if (isPidAlive(holder.pid) && store.lease(state.id)) {
          throw new LockedError(
            `the coordinator (pid ${holder.pid}) did not stop within ${Math.round((options.waitMs ?? 60_000) / 1000)}s`,
            holder,
          );
        }
      }
      const claim = store.acquireLease(state.id, me, {
        now: new Date(),
        staleAfterMs: 0,
        isAlive: isPidAlive,
      });
      if (!claim.acquired)
        throw new LockedError(`milestone ${state.id} is held by pid ${claim.holder.pid}`, claim.holder);
      try {
        const current = store.state(state.id)!;
        const repairs = await recoverMilestone({
          repoRoot: workspace.root,
          worktreeRoot: worktreeRoot(workspace, options.env ?? process.env),
          state: {
            ...current,
            tasks: Object.fromEntries(
              Object.entries(current.tasks).map(([k, t]) => [
                k,
                t.status === 'conflicted' ? { ...t, status: 'failed' as const } : t,
              ]),
            ),
          },
          events: store.events(state.id, { types: ['intent'] }),
          graceMs: 5000,
          // Cancelled, not run again: no "will re-run" note.
          rerun: 'none',
          storeDir: workspace.storeDir,
        });
        for (const note of repairs.notes) options.io.err(note);
        const landed = repairs.events.filter(
          (e) => e.type === 'task_merged' || (e.type === 'task_status' && e.status === 'succeeded'),
        );
        const canceled = Object.values(store.state(state.id)!.tasks)
          .filter((t) => t.status === 'running' || t.status === 'ready' || t.status === 'waiting')
          .map((t) => ({
            type: 'task_status' as const,
            taskId: t.id,
            status: 'canceled' as const,
            reason: 'milestone cancelled',
          }));
        store.append(state.id, [
          ...landed,
          ...canceled,
          { type: 'milestone_status', status: 'cancelled', reason: 'milestone cancel' },
        ]);
      } finally {
        store.releaseLease(state.id, me);
      }
      options.io.out(`cancelled ${state.id}`);
      options.io.out(cancelledAdvice(state));
    });
  } finally {
    if (marked) clearCancelling(workspace.storeDir, marked);
  }
}
