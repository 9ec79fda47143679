import { describe, expect, it } from 'vitest';
import { analyzeEstimates } from '../../src/planning/estimates.js';
import { makespanCurve } from '../../src/planning/makespan.js';
import { minutes, planOf, task } from './plan-builder.js';

describe('analyzeEstimates', () => {
  // design: d1 PERT (60 + 4*120 + 240) / 6 = 130, sd (240 - 60) / 6 = 30.
  // execute: a 60, b 120 after a, c unestimated (mean of a, b, d = 70), d 30 after a.
  const plan = planOf([
    task('d1', { phase: 'design', estimate: { optimistic: 60, likely: 120, pessimistic: 240 } }),
    task('a', { estimate: minutes(60) }),
    task('b', { estimate: minutes(120), needs: ['a'] }),
    task('c'),
    task('d', { estimate: minutes(30), needs: ['a'] }),
  ]);

  it('computes PERT per task and phase, the critical path and the confidence', () => {
    const estimates = analyzeEstimates(plan, { maxAgents: 3 });
    expect(estimates.tasks).toEqual([
      { id: 'd1', phase: 'design', expected: 130, stdDev: 30, estimated: true },
      { id: 'a', phase: 'execute', expected: 60, stdDev: 0, estimated: true },
      { id: 'b', phase: 'execute', expected: 120, stdDev: 0, estimated: true },
      { id: 'c', phase: 'execute', expected: 70, stdDev: 35, estimated: false },
      { id: 'd', phase: 'execute', expected: 30, stdDev: 0, estimated: true },
    ]);
    expect(estimates.phases).toEqual([
      { phase: 'design', tasks: 1, estimatedTasks: 1, expected: 130, stdDev: 30 },
      { phase: 'spec', tasks: 0, estimatedTasks: 0, expected: 0, stdDev: 0 },
      { phase: 'task', tasks: 0, estimatedTasks: 0, expected: 0, stdDev: 0 },
      { phase: 'execute', tasks: 4, estimatedTasks: 3, expected: 280, stdDev: 35 },
    ]);
    expect(estimates.total).toEqual({ expected: 410, stdDev: Math.sqrt(30 ** 2 + 35 ** 2) });
    expect(estimates.criticalPath).toEqual({ path: ['d1', 'a', 'b'], length: 310, stdDev: 30 });
    expect(estimates.parallelScore).toBeCloseTo(1 - 310 / 410);
    expect(estimates.confidence).toBe(0.8);
  });

  it('simulates the makespan for 1..N agents', () => {
    const { makespan } = analyzeEstimates(plan, { maxAgents: 3 });
    // 1 agent: all work. 2 agents: a and c start; at 60 b starts, at 70 d; b ends at 180.
    expect(makespan).toEqual([
      { agents: 1, minutes: 410, speedup: 1 },
      { agents: 2, minutes: 310, speedup: 410 / 310 },
      { agents: 3, minutes: 310, speedup: 410 / 310 },
    ]);
    expect(analyzeEstimates(plan).makespan).toHaveLength(16);
  });

  it('schedules the longest remaining chain first and respects phase barriers', () => {
    // Execute: x (10) then y (100) is the long chain; z, w (50 each) are free. With two agents,
    // longest-first starts x and z: y runs 10..110, w 50..100, so 110 (plan order: 160).
    // Spec (5 + 5) runs before it: 10 with one agent, 5 with more.
    const tasks = [
      task('z', { estimate: minutes(50) }),
      task('w', { estimate: minutes(50) }),
      task('x', { estimate: minutes(10) }),
      task('y', { estimate: minutes(100), needs: ['x'] }),
      task('s', { phase: 'spec', estimate: minutes(5) }),
      task('s2', { phase: 'spec', estimate: minutes(5) }),
    ];
    expect(makespanCurve(tasks, 3)).toEqual([220, 115, 115]);
  });

  it('refuses a task whose work is not a number instead of simulating forever (a caller that skipped validation)', () => {
    const tasks = [
      task('a', { estimate: minutes(10) }),
      { ...task('b', { needs: ['a'] }), work: Number.NaN },
    ];
    expect(() => makespanCurve(tasks, 4)).toThrow('task b: work NaN is not a finite number of minutes');
    const endless = [{ ...task('c'), work: Number.POSITIVE_INFINITY }];
    expect(() => makespanCurve(endless, 2)).toThrow(RangeError);
  });

  it('reports zero confidence and zero work for an empty plan', () => {
    const estimates = analyzeEstimates(planOf([]), { maxAgents: 2 });
    expect(estimates.confidence).toBe(0);
    expect(estimates.makespan).toEqual([
      { agents: 1, minutes: 0, speedup: 1 },
      { agents: 2, minutes: 0, speedup: 1 },
    ]);
  });
});
