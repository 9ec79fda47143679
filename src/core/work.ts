import { pert } from './duration.js';
import type { PhasedTask } from './graph.js';
import type { Estimate, Phase } from './types.js';

/**
 * Work of one task in minutes: the PERT expectation of its estimate, else `phaseMean`, the mean
 * of the estimated tasks of its phase (see {@link phaseMeanWork}), which is 1 when none is
 * estimated, so an unestimated plan weighs every task equally.
 */
export function taskWork(task: { estimate?: Estimate | undefined }, phaseMean: number): number {
  return task.estimate ? pert(task.estimate) : phaseMean;
}

/** Per phase, the mean PERT work of its estimated tasks; 1 for a phase with none. */
export function phaseMeanWork(tasks: readonly PhasedTask[]): Record<Phase, number> {
  const sum = { design: 0, spec: 0, task: 0, execute: 0 };
  const count = { design: 0, spec: 0, task: 0, execute: 0 };
  for (const task of tasks) {
    const work = task.work ?? (task.estimate ? pert(task.estimate) : undefined);
    if (work === undefined) continue;
    sum[task.phase] += work;
    count[task.phase] += 1;
  }
  const mean = (phase: Phase) => (count[phase] > 0 ? sum[phase] / count[phase] : 1);
  return { design: mean('design'), spec: mean('spec'), task: mean('task'), execute: mean('execute') };
}
