import type { Config } from '../config/config.js';
import type { MilestoneEvent } from '../core/events.js';
import { workOf } from '../core/graph.js';
import type { MilestoneState } from '../core/projection.js';
import type { Mode, Phase, TaskSpec } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { blockingGate } from '../decision/gates.js';
import { createScheduler, type Scheduler } from './scheduler.js';

/**
 * Phases are barriers: a phase's tasks start only once every earlier phase landed and was
 * committed. The pure rules the coordinator follows at those barriers live here.
 */

/** Whether a phase runs its tasks in parallel (own worktrees, merge queue) or one at a time. */
export function runsInParallel(mode: Mode, phase: Phase | undefined): boolean {
  return mode === 'agents' || (mode === 'hybrid' && phase === 'execute');
}

/** A review gate of an earlier phase that is still closed: the run pauses there before `phase`. */
export function gateBefore(state: MilestoneState, config: Config, phase: Phase): Phase | null {
  const blocked = blockingGate(state, config);
  return blocked && PHASES.indexOf(blocked) < PHASES.indexOf(phase) ? blocked : null;
}

/**
 * The schedule of one phase's tasks. Needs on tasks outside the phase are met by the phase
 * barrier, so they are dropped here.
 */
export function phaseSchedule(tasks: TaskSpec[], concurrency: number): Scheduler {
  const ids = new Set(tasks.map((t) => t.id));
  const work = workOf(tasks);
  return createScheduler(
    tasks.map((t, i) => ({
      id: t.id,
      phase: t.phase,
      needs: t.needs.filter((n) => ids.has(n)),
      files: t.files,
      work: work[i]!,
    })),
    { concurrency },
  );
}

/** Dependents of a task that did not land, skipped so independent work continues. */
export function dependentSkips(skipped: string[], cause: string): MilestoneEvent[] {
  return skipped.map((taskId) => ({
    type: 'task_status' as const,
    taskId,
    status: 'skipped' as const,
    reason: `needs ${cause}, which did not land`,
  }));
}

/** A phase that did not complete keeps its barrier closed: later requested phases' tasks are skipped. */
export function laterPhaseSkips(state: MilestoneState, phases: Phase[], phase: Phase): MilestoneEvent[] {
  const later = PHASES.slice(PHASES.indexOf(phase) + 1).filter((p) => phases.includes(p));
  return state.plan.tasks
    .filter(
      (t) => later.includes(t.phase) && !state.tasks[t.id]!.merged && state.tasks[t.id]!.status !== 'skipped',
    )
    .map((t) => ({
      type: 'task_status' as const,
      taskId: t.id,
      status: 'skipped' as const,
      reason: `phase ${phase} did not complete`,
    }));
}
