import { computeProgress, type Progress } from './progress.js';
import type { ProgressTally } from './progress-tally.js';
import type { MilestoneState, TaskState } from './projection.js';
import type { Phase } from './types.js';

/**
 * One task as the read commands print it: its folded state plus the plan's title, phase and
 * needs (the `tasks` entries of `status --json`).
 */
export interface TaskRow extends TaskState {
  title: string;
  phase: Phase;
  needs: string[];
}

/**
 * A milestone without its plan, task states and commit list: what `status` and `list` print
 * about it, with progress already computed from the tasks at write time.
 */
export interface MilestoneHeader extends Omit<MilestoneState, 'plan' | 'tasks' | 'commits'> {
  progress: Progress;
  /** Tasks in the plan. */
  taskCount: number;
  /** Tasks that succeeded and whose commit is on the milestone branch. */
  landedCount: number;
  /** Commits recorded on the milestone branch. */
  commitCount: number;
}

/**
 * The header of a state: everything but the plan, the task states and the commit list. With a
 * `tally` of the state's tasks (kept by the store's writer) it costs O(1) in the task count.
 */
export function headerOf(state: MilestoneState, tally?: ProgressTally): MilestoneHeader {
  const { plan, tasks, commits, ...rest } = state;
  const completed = state.status === 'completed';
  let landedCount = 0;
  if (tally) landedCount = tally.doneCount;
  else for (const task of Object.values(tasks)) if (task.status === 'succeeded' && task.merged) landedCount++;
  return {
    ...rest,
    progress: tally ? tally.progress({ completed }) : computeProgress(plan, tasks, { completed }),
    taskCount: plan.tasks.length,
    landedCount,
    commitCount: commits.length,
  };
}

/** The task rows of a state, in plan order (what the store's read model keeps). */
export function taskRowsOf(state: MilestoneState): TaskRow[] {
  return state.plan.tasks.map((_, position) => taskRow(state, position));
}

/** The state's own `id` comes first with the spread; title, phase and needs are the plan's. */
export function taskRow(state: MilestoneState, position: number): TaskRow {
  const spec = state.plan.tasks[position]!;
  return { ...state.tasks[spec.id]!, title: spec.title, phase: spec.phase, needs: spec.needs };
}

/**
 * `JSON.stringify(taskRowsOf(state))`, the same text, without building the rows: each task's
 * state stringified as it is, its plan fields appended (a 2,000-task plan's rows as objects were
 * ~2 MB of short-lived copies, a visible share of `plan --from`'s collector time).
 */
export function taskRowsJson(state: MilestoneState): string {
  const count = state.plan.tasks.length;
  // One join: appending to one string makes a chain V8 flattens (copies) again later.
  const rows: string[] = [];
  for (let position = 0; position < count; position++) rows.push(taskRowJson(state, position));
  return `[${rows.join(',')}]`;
}

/** `JSON.stringify(taskRow(state, position))`, the same text, without the row object. */
export function taskRowJson(state: MilestoneState, position: number): string {
  const spec = state.plan.tasks[position]!;
  const task = state.tasks[spec.id];
  // The spread keeps the place of a key the state has too, and a plan field left undefined is
  // left out: those (never written by the fold) take the row object.
  if (
    task === null ||
    typeof task !== 'object' ||
    'title' in task ||
    'phase' in task ||
    'needs' in task ||
    typeof spec.title !== 'string' ||
    typeof spec.phase !== 'string' ||
    !Array.isArray(spec.needs)
  )
    return JSON.stringify(taskRow(state, position));
  const own = JSON.stringify(task);
  const plan = `"title":${JSON.stringify(spec.title)},"phase":${JSON.stringify(spec.phase)},"needs":${JSON.stringify(spec.needs)}}`;
  return own === '{}' ? `{${plan}` : `${own.slice(0, -1)},${plan}`;
}
