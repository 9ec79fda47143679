import { appendFileSync, existsSync } from 'node:fs';
import { plural } from '../core/duration.js';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import { groupAlive, stopGroup } from '../process/process-group.js';
import { landedFor } from './landing.js';
import { attemptLogPath, taskWorktreePath } from './naming.js';
import { removeOrphanWorktrees } from './worktrees.js';

/** What recovery found and what it changes. */
export interface Recovery {
  events: MilestoneEvent[];
  notes: string[];
}

/** Why an interrupted task is pending again, and what recovery says of it, by how it runs again. */
const INTERRUPTED = {
  worktree: {
    reason: 'interrupted; re-running from a fresh worktree',
    note: 'was interrupted; it will re-run from a fresh worktree',
    next: 'the next attempt runs the task again from a fresh worktree',
  },
  queue: {
    reason: 'interrupted; running again on a worker',
    note: 'was interrupted; it will run again on a worker',
    next: 'the next attempt runs the task again on a worker',
  },
  none: { reason: 'interrupted', note: null, next: 'the milestone was cancelled' },
} as const;

/**
 * Ends the log of an attempt its run never finished (a crash, a `kill -9`, a machine that went
 * down): the log stops mid-output, and without this line it read as an attempt still going, or
 * as the one after it. The attempt keeps its number (it is counted once, as `status` shows);
 * the next one has the next number and its own log. Nothing when there is no log.
 */
function closeCutShortLog(log: string, attempt: number, next: string): void {
  if (!existsSync(log)) return;
  try {
    appendFileSync(
      log,
      `\n--- milestone: attempt ${attempt} cut short: its run stopped (crash or kill) before the attempt ended; ${next} ---\n`,
    );
  } catch {
    // A log that cannot be written (removed, read-only) only loses this line.
  }
}

/** The process group of each task's last started agent, from the `intent` events. */
export function lastAgentGroups(events: readonly StoredEvent[]): Map<string, number> {
  const groups = new Map<string, number>();
  for (const event of events) {
    if (
      event.type === 'intent' &&
      event.step === 'agent' &&
      event.taskId &&
      typeof event.detail?.pid === 'number'
    ) {
      groups.set(event.taskId, event.detail.pid);
    }
  }
  return groups;
}

/**
 * Makes the store agree with git before a run: tasks whose trailer is on the milestone branch
 * in a commit of this plan's lineage (`Milestone-Run:`) landed (whatever the store says), interrupted tasks go back to pending after their orphaned
 * agents are stopped, failed and skipped tasks are queued again, leftover worktrees go.
 * Conflicted tasks keep their branch and worktree: a person may be resolving them.
 */
export async function recoverMilestone(input: {
  repoRoot: string;
  worktreeRoot: string;
  state: MilestoneState;
  events: readonly StoredEvent[];
  graceMs: number;
  /**
   * How an interrupted task runs again, for what recovery says: `worktree` (the default) from
   * a fresh local worktree; `queue` on a worker (a job the dead run left may be adopted: the
   * queue's runner says so when it does, recovery cannot know yet); `none` when it does not (a
   * cancel).
   */
  rerun?: 'worktree' | 'queue' | 'none';
  /** The runtime store's folder: the last log of an interrupted attempt there gets its end line. */
  storeDir?: string;
}): Promise<Recovery> {
  const { repoRoot, state } = input;
  const events: MilestoneEvent[] = [];
  const notes: string[] = [];
  const landed = await landedFor(repoRoot, state);
  const groups = lastAgentGroups(input.events);
  const keep = new Set<string>();
  for (const spec of state.plan.tasks) {
    const task = state.tasks[spec.id]!;
    const sha = landed.tasks.get(spec.id);
    if (sha) {
      if (!task.merged || task.status !== 'succeeded') {
        events.push(
          { type: 'task_merged', taskId: spec.id, commit: sha },
          {
            type: 'task_status',
            taskId: spec.id,
            status: 'succeeded',
            reason: 'found on the milestone branch',
          },
        );
        notes.push(`recovered: ${spec.id} had landed as ${sha.slice(0, 10)} before the interruption`);
      }
      continue;
    }
    if (task.status === 'conflicted') {
      keep.add(taskWorktreePath(input.worktreeRoot, repoRoot, state.id, spec.id));
      continue;
    }
    const pgid = groups.get(spec.id);
    if ((task.status === 'running' || task.status === 'ready') && pgid !== undefined && groupAlive(pgid)) {
      // The dead coordinator's agent is still running: stop it before its work is redone.
      await stopGroup(pgid, input.graceMs);
      notes.push(`stopped the orphaned agent of ${spec.id} (process group ${pgid})`);
    }
    if (task.status !== 'pending' || task.merged) {
      const interrupted = task.status === 'running' || task.status === 'ready';
      const rerun = INTERRUPTED[input.rerun ?? 'worktree'];
      const cutShort = interrupted && task.attempts > 0 ? ` (attempt ${task.attempts} cut short)` : '';
      const why = interrupted ? `${rerun.reason}${cutShort}` : `was ${task.status}; queued again`;
      events.push({ type: 'task_status', taskId: spec.id, status: 'pending', reason: why });
      if (interrupted && rerun.note) notes.push(`${spec.id} ${rerun.note}`);
      // `running` only: a `ready` task's last log is a finished attempt's (a retry not yet started).
      if (task.status === 'running' && task.attempts > 0 && input.storeDir !== undefined)
        closeCutShortLog(
          attemptLogPath(input.storeDir, state.id, spec.id, task.attempts),
          task.attempts,
          rerun.next,
        );
    }
  }
  // A check the dead coordinator was running on the combined tree (integration/) goes too.
  const check = input.events.findLast((e) => e.type === 'intent' && e.step === 'integration_process');
  const checkGroup = check?.type === 'intent' ? check.detail?.pid : undefined;
  if (typeof checkGroup === 'number' && groupAlive(checkGroup)) {
    await stopGroup(checkGroup, input.graceMs);
    notes.push(`stopped the orphaned integration check (process group ${checkGroup})`);
  }
  for (const [phase, sha] of landed.phases) {
    if (!state.phaseCommits[phase]) events.push({ type: 'phase_committed', phase, commit: sha });
  }
  const removed = await removeOrphanWorktrees(repoRoot, input.worktreeRoot, state.id, { keep });
  if (removed.length) notes.push(`removed ${plural(removed.length, 'leftover worktree')}`);
  return { events, notes };
}
