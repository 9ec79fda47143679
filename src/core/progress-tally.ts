import { type Progress, percent, type TaskFacts } from './progress.js';
import { PHASES, type Phase, type Plan } from './types.js';
import { phaseMeanWork, taskWork } from './work.js';

/**
 * `computeProgress` kept up to date one task at a time: built once per plan (O(tasks)),
 * then O(1) per changed task. The store's read model writes a milestone's header at every
 * append; computing progress from every task there made each append O(tasks), a run quadratic.
 */
export interface ProgressTally {
  /** The plan it was built for; a new plan needs a new tally. */
  readonly plan: Plan;
  /** Records the task's current facts (unknown ids are ignored). */
  update(taskId: string, facts: TaskFacts | undefined): void;
  /** Tasks that succeeded and merged (the header's `landedCount`). */
  readonly doneCount: number;
  /** The same figures as `computeProgress(plan, tasks, options)` for the facts recorded. */
  progress(options?: { completed?: boolean }): Progress;
}

interface TaskEntry {
  phase: Phase;
  weight: number;
  done: boolean;
}

/** A tally of `plan` with the facts of `tasks` recorded. */
export function progressTally(plan: Plan, tasks: Readonly<Record<string, TaskFacts>>): ProgressTally {
  const means = phaseMeanWork(plan.tasks);
  const entries = new Map<string, TaskEntry>();
  const total: Record<Phase, number> = { design: 0, spec: 0, task: 0, execute: 0 };
  const done: Record<Phase, number> = { design: 0, spec: 0, task: 0, execute: 0 };
  const members: Record<Phase, number> = { design: 0, spec: 0, task: 0, execute: 0 };
  const doneMembers: Record<Phase, number> = { design: 0, spec: 0, task: 0, execute: 0 };
  for (const task of plan.tasks) {
    const weight = taskWork(task, means[task.phase]);
    entries.set(task.id, { phase: task.phase, weight, done: false });
    total[task.phase] += weight;
    members[task.phase] += 1;
  }
  // As computeProgress: a phase whose tasks all weigh 0 counts its tasks equally.
  for (const phase of PHASES) {
    if (members[phase] > 0 && !(total[phase] > 0)) {
      total[phase] = members[phase];
      for (const entry of entries.values()) if (entry.phase === phase) entry.weight = 1;
    }
  }
  let doneCount = 0;
  const update = (taskId: string, facts: TaskFacts | undefined) => {
    const entry = entries.get(taskId);
    if (!entry) return;
    const now = facts?.status === 'succeeded' && facts.merged;
    if (now === entry.done) return;
    entry.done = now;
    const sign = now ? 1 : -1;
    done[entry.phase] += sign * entry.weight;
    doneMembers[entry.phase] += sign;
    doneCount += sign;
  };
  for (const id of entries.keys()) update(id, tasks[id]);

  // A running sum drifts by float error: the ends are exact (none done is 0, all done is 1).
  const fraction = (phase: Phase) =>
    doneMembers[phase] === 0 ? 0 : doneMembers[phase] === members[phase] ? 1 : done[phase] / total[phase];

  return {
    plan,
    update,
    get doneCount() {
      return doneCount;
    },
    progress(options = {}) {
      const phases: Record<Phase, number> = { design: 0, spec: 0, task: 0, execute: 0 };
      if (options.completed) {
        for (const phase of PHASES) phases[phase] = 100;
        return { overall: 100, phases };
      }
      const withTasks = PHASES.filter((phase) => members[phase] > 0);
      let weightSum = 0;
      for (const phase of withTasks) weightSum += plan.weights[phase];
      let overall = 0;
      for (const phase of withTasks) {
        phases[phase] = percent(fraction(phase));
        const weight = weightSum > 0 ? plan.weights[phase] / weightSum : 1 / withTasks.length;
        overall += weight * fraction(phase);
      }
      return { overall: percent(overall), phases };
    },
  };
}
