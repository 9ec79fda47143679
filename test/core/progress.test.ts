import { describe, expect, it } from 'vitest';
import { computeProgress, type TaskFacts } from '../../src/core/progress.js';
import {
  DEFAULT_DEFAULTS,
  DEFAULT_WEIGHTS,
  type Estimate,
  type Phase,
  type PhaseWeights,
  type Plan,
  type TaskSpec,
} from '../../src/core/types.js';

function plan(tasks: TaskSpec[], weights: PhaseWeights = DEFAULT_WEIGHTS): Plan {
  return { version: 1, id: 'm', title: 'M', weights, defaults: DEFAULT_DEFAULTS, tasks };
}

function task(id: string, phase: Phase, estimate?: Estimate): TaskSpec {
  return { id, title: id, phase, run: 'true', needs: [], files: [], ...(estimate ? { estimate } : {}) };
}

const minutes = (value: number): Estimate => ({ optimistic: value, likely: value, pessimistic: value });
const merged: TaskFacts = { status: 'succeeded', merged: true };
const unmerged: TaskFacts = { status: 'succeeded', merged: false };

describe('computeProgress', () => {
  it('weighs tasks by estimate, unestimated ones as the phase mean, and rescales phase weights', () => {
    const milestone = plan([
      task('d1', 'design', minutes(120)),
      task('d2', 'design'), // weighs as the mean, 120
      task('s1', 'spec', { optimistic: 60, likely: 120, pessimistic: 300 }), // PERT 140
      task('s2', 'spec', minutes(60)),
      task('e1', 'execute'),
      task('e2', 'execute'),
      task('e3', 'execute'),
    ]);
    const progress = computeProgress(milestone, {
      d1: merged,
      d2: { status: 'running', merged: false },
      s1: merged,
      s2: unmerged, // succeeded but not on the branch yet: not progress
      e1: merged,
      e2: { status: 'failed', merged: false },
    });
    // design 120/240, spec 140/200, execute 1/3; the task phase has no tasks, so the weights
    // .15/.25/.40 are scaled by 1/.80: .1875 * .5 + .3125 * .7 + .5 * 1/3 = .4792.
    expect(progress).toEqual({ overall: 48, phases: { design: 50, spec: 70, task: 0, execute: 33 } });
  });

  it('uses custom weights', () => {
    const milestone = plan(
      [task('a', 'design'), task('b', 'execute', minutes(30)), task('c', 'execute', minutes(90))],
      { design: 0.5, spec: 0.2, task: 0.2, execute: 0.1 },
    );
    // design 1, execute 90/120; weights .5 and .1 scaled to 5/6 and 1/6: 5/6 + .75/6 = .9583.
    const progress = computeProgress(milestone, { a: merged, c: merged });
    expect(progress).toEqual({ overall: 96, phases: { design: 100, spec: 0, task: 0, execute: 75 } });
  });

  it('rounds half up despite float error', () => {
    const milestone = plan([
      task('d1', 'design'),
      task('d2', 'design'),
      task('s', 'spec'),
      task('t', 'task'),
      task('e', 'execute'),
    ]);
    // .15 * .5 = 7.5% (7.4999... in floating point).
    expect(computeProgress(milestone, { d1: merged }).overall).toBe(8);
  });

  it('counts tasks missing from the record as not done', () => {
    expect(computeProgress(plan([task('a', 'execute'), task('b', 'execute')]), { a: merged })).toEqual({
      overall: 50,
      phases: { design: 0, spec: 0, task: 0, execute: 50 },
    });
  });

  it('counts tasks equally when a phase weighs nothing', () => {
    const milestone = plan([task('a', 'execute', minutes(0)), task('b', 'execute', minutes(0))]);
    expect(computeProgress(milestone, { a: merged }).phases.execute).toBe(50);
  });

  it('shows 100 everywhere once completed, and 0 for an empty plan', () => {
    const milestone = plan([task('a', 'execute')]);
    expect(computeProgress(milestone, {}, { completed: true })).toEqual({
      overall: 100,
      phases: { design: 100, spec: 100, task: 100, execute: 100 },
    });
    expect(computeProgress(plan([]), {})).toEqual({
      overall: 0,
      phases: { design: 0, spec: 0, task: 0, execute: 0 },
    });
  });

  it('reaches 100 when every task merged', () => {
    const milestone = plan([task('a', 'design'), task('b', 'execute', minutes(10))]);
    expect(computeProgress(milestone, { a: merged, b: merged }).overall).toBe(100);
  });
});
