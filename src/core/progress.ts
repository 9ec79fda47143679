import { PHASES, type Phase, type Plan, type TaskStatus } from './types.js';
import { phaseMeanWork, taskWork } from './work.js';

/** What progress needs to know of a task: facts from the store, never an agent's claim. */
export interface TaskFacts {
  status: TaskStatus;
  /** True once the task's commit is on the milestone branch. */
  merged: boolean;
}

/** Progress as docs/contract.md defines it: integers 0–100. */
export interface Progress {
  overall: number;
  phases: Record<Phase, number>;
}

/** Options of {@link computeProgress}. */
export interface ProgressOptions {
  /** The milestone is completed: everything shows 100. */
  completed?: boolean;
}

/**
 * Progress of a milestone (docs/contract.md). A phase's progress is the estimate-weighted share of
 * its tasks that succeeded and merged; a task without an estimate weighs as the mean of the
 * phase's estimated tasks, 1 when none is. Overall is `round(100 * Σ weight · fraction)` over
 * the phases that have tasks, their weights scaled to sum to 1. A phase without tasks shows 0
 * (100 once completed). A task missing from `tasks` counts as not done.
 *
 * Two corners the contract leaves open: when every task of a phase weighs 0 (all estimated at
 * 0) tasks count equally; when the phases that have tasks all weigh 0 they count equally.
 */
export function computeProgress(
  plan: Plan,
  tasks: Readonly<Record<string, TaskFacts>>,
  options: ProgressOptions = {},
): Progress {
  const phases: Record<Phase, number> = { design: 0, spec: 0, task: 0, execute: 0 };
  if (options.completed) {
    for (const phase of PHASES) phases[phase] = 100;
    return { overall: 100, phases };
  }
  const means = phaseMeanWork(plan.tasks);
  const fractions = new Map<Phase, number>();
  for (const phase of PHASES) {
    const members = plan.tasks.filter((task) => task.phase === phase);
    if (members.length === 0) continue;
    const isDone = members.map((task) => {
      const facts = tasks[task.id];
      return facts?.status === 'succeeded' && facts.merged;
    });
    let weights = members.map((task) => taskWork(task, means[phase]));
    if (!weights.some((weight) => weight > 0)) weights = weights.map(() => 1);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const done = weights.reduce((sum, weight, i) => sum + (isDone[i] ? weight : 0), 0);
    fractions.set(phase, done / total);
    phases[phase] = percent(done / total);
  }
  let weightSum = 0;
  for (const phase of fractions.keys()) weightSum += plan.weights[phase];
  let overall = 0;
  for (const [phase, fraction] of fractions) {
    const weight = weightSum > 0 ? plan.weights[phase] / weightSum : 1 / fractions.size;
    overall += weight * fraction;
  }
  return { overall: percent(overall), phases };
}

/** Half-up rounding that survives float error: 0.15 * 0.5 * 100 is 7.499999999999999, not 7.5. */
export function percent(fraction: number): number {
  return Math.min(100, Math.max(0, Math.round(fraction * 100 + 1e-9)));
}
