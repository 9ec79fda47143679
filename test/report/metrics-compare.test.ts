import { describe, expect, it } from 'vitest';
import type { Mode } from '../../src/core/types.js';
import { milestoneMetrics } from '../../src/report/metrics.js';
import { comparePerformance, recommend } from '../../src/report/metrics-compare.js';
import { formatComparison } from '../../src/report/metrics-text.js';
import { eventLog, usage } from './metrics-log.js';

/** A completed milestone of `tasks` tasks of `taskMs` each, run `width` at a time. */
function run(id: string, mode: Mode, tasks: number, taskMs: number, width: number, costUsd?: number) {
  const log = eventLog(
    id,
    Array.from({ length: tasks }, (_, i) => ({ id: `t${i}` })),
  ).execute(0, mode);
  for (let i = 0; i < tasks; i++) {
    const start = Math.floor(i / width) * taskMs;
    const spent = costUsd === undefined ? undefined : usage(100, 10, costUsd);
    log.attempt(`t${i}`, 1, start, start + taskMs, 'succeeded', spent);
  }
  log.finish(Math.ceil(tasks / width) * taskMs);
  return milestoneMetrics(log.state(), log.events);
}

describe('comparePerformance', () => {
  it('speedup = direct time / agents time: a faster agents run gives speedup > 1', () => {
    const c = comparePerformance([run('seq', 'direct', 4, 1000, 1), run('par', 'agents', 4, 1000, 4)]);
    expect(c.unit).toBe('task');
    expect(c.direct).toMatchObject({ runs: 1, work: 4, wallMs: 4000, timePerUnitMs: 1000, parallelism: 1 });
    expect(c.agents).toMatchObject({ runs: 1, work: 4, wallMs: 1000, timePerUnitMs: 250, parallelism: 4 });
    expect(c.speedup).toBe(4);
    expect(c.parallelism).toBe(4);
    expect(c.quality).toBe(1);
    expect(c.recommendation).toBe('always_use_agents');
  });

  it('a slower agents run gives speedup < 1 and recommends direct', () => {
    const c = comparePerformance([run('seq', 'direct', 2, 500, 1), run('par', 'agents', 2, 2000, 2)]);
    expect(c.speedup).toBe(0.5);
    expect(c.recommendation).toBe('use_direct_for_simple');
  });

  it('normalises per task, so milestones of different sizes compare; hybrid counts as agents', () => {
    // Direct: 2 tasks in 2 s (1 s per task). Hybrid: 8 tasks in 4 s (0.5 s per task).
    const c = comparePerformance([run('small', 'direct', 2, 1000, 1), run('big', 'hybrid', 8, 1000, 2)]);
    expect(c.speedup).toBe(2);
    expect(c.runs.map((r) => [r.id, r.side, r.timePerUnitMs])).toEqual([
      ['small', 'direct', 1000],
      ['big', 'agents', 500],
    ]);
    expect(c.recommendation).toBe('use_agents_for_complex');
  });

  it('normalises by estimated minutes when every task that ran has one', () => {
    const estimated = (id: string, minutes: number, mode: Mode, ms: number) => {
      const log = eventLog(id, [
        { id: 'a', estimate: { optimistic: minutes, likely: minutes, pessimistic: minutes } },
      ])
        .execute(0, mode)
        .attempt('a', 1, 0, ms, 'succeeded')
        .finish(ms);
      return milestoneMetrics(log.state(), log.events);
    };
    // Direct: 60 estimated minutes in 6 s; agents: 30 estimated minutes in 1 s.
    const c = comparePerformance([estimated('d', 60, 'direct', 6000), estimated('a', 30, 'agents', 1000)]);
    expect(c.unit).toBe('estimated-minute');
    expect(c.direct.timePerUnitMs).toBe(100);
    expect(c.agents.timePerUnitMs).toBeCloseTo(33.33, 1);
    expect(c.speedup).toBeCloseTo(3, 5);
  });

  it('cost ratio is agents / direct cost per unit (lower is better), unknown when a side reports none', () => {
    const priced = comparePerformance([
      run('seq', 'direct', 2, 1000, 1, 0.1),
      run('par', 'agents', 2, 1000, 2, 0.15),
    ]);
    expect(priced.direct.costPerUnitUsd).toBeCloseTo(0.1);
    expect(priced.costRatio).toBeCloseTo(1.5);
    const unknown = comparePerformance([
      run('seq', 'direct', 2, 1000, 1),
      run('par', 'agents', 2, 1000, 2, 0.1),
    ]);
    expect(unknown.direct).toMatchObject({ costUsd: null, costKnown: 'none', costPerUnitUsd: null });
    expect(unknown.costRatio).toBeNull();
    expect(formatComparison(unknown)).toContain('cost ratio unknown');
  });

  it('quality compares first-attempt landings: a retry on the agents side lowers it below 1', () => {
    const retried = eventLog('par', [{ id: 'a' }, { id: 'b' }])
      .execute(0, 'agents')
      .attempt('a', 1, 0, 100, 'ready')
      .attempt('a', 2, 100, 200, 'succeeded')
      .attempt('b', 1, 0, 200, 'succeeded')
      .finish(200);
    const c = comparePerformance([
      run('seq', 'direct', 2, 1000, 1),
      milestoneMetrics(retried.state(), retried.events),
    ]);
    expect(c.agents.quality).toBe(0.5);
    expect(c.quality).toBe(0.5);
    expect(c.speedup).toBe(10);
    // Fast but worse: quality below 1 keeps it from `always_use_agents`.
    expect(c.recommendation).toBe('use_agents_for_complex');
  });

  it('says insufficient_data when one side has no runs, and why milestones were left out', () => {
    const planned = eventLog('later', [{ id: 'a' }]);
    const c = comparePerformance(
      [run('par', 'agents', 2, 1000, 2), milestoneMetrics(planned.state(), planned.events)],
      'par',
    );
    expect(c.direct.runs).toBe(0);
    expect(c.direct.timePerUnitMs).toBeNull();
    expect(c.speedup).toBeNull();
    expect(c.recommendation).toBe('insufficient_data');
    expect(c.excluded).toEqual([
      { id: 'later', reason: 'status planned (only completed or failed runs count)' },
    ]);
    const text = formatComparison(c);
    expect(text).toContain('recommendation: insufficient_data');
    expect(text).toContain('runs: par* (agents)');
    expect(text).toContain('speedup = direct / agents wall time per task (higher is better)');
  });

  it('recommend: speedup > 2 with quality >= 1, then speedup > 1.5', () => {
    expect(recommend(2.5, 1)).toBe('always_use_agents');
    expect(recommend(2.5, 0.9)).toBe('use_agents_for_complex');
    expect(recommend(2.5, null)).toBe('use_agents_for_complex');
    expect(recommend(1.6, 1)).toBe('use_agents_for_complex');
    expect(recommend(1.5, 1)).toBe('use_direct_for_simple');
    expect(recommend(null, 1)).toBe('insufficient_data');
  });
});
