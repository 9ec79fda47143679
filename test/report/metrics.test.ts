import { describe, expect, it } from 'vitest';
import { milestoneMetrics } from '../../src/report/metrics.js';
import { formatMetrics } from '../../src/report/metrics-text.js';
import { eventLog, usage } from './metrics-log.js';

function metricsOf(log: ReturnType<typeof eventLog>) {
  return milestoneMetrics(log.state(), log.events);
}

describe('milestoneMetrics: usage', () => {
  it('keeps unknown cost apart from zero, per task and in the totals', () => {
    const log = eventLog('m', [{ id: 'shell' }, { id: 'free' }, { id: 'paid' }, { id: 'never' }])
      .execute(0, 'agents')
      .attempt('shell', 1, 0, 100, 'succeeded')
      .attempt('free', 1, 0, 100, 'succeeded', usage(10, 0, 0))
      .attempt('paid', 1, 0, 100, 'succeeded', usage(100, 20, 0.5));
    const m = metricsOf(log);
    const byId = Object.fromEntries(m.tasks.map((t) => [t.id, t]));
    expect(byId.shell).toMatchObject({ costUsd: null, inputTokens: null, outputTokens: null });
    expect(byId.free).toMatchObject({ costUsd: 0, inputTokens: 10, outputTokens: 0 });
    expect(byId.paid).toMatchObject({ costUsd: 0.5 });
    // A task that never ran spent nothing: it is not an unknown.
    expect(m.totals).toMatchObject({
      ran: 3,
      costUsd: 0.5,
      costKnown: 'some',
      unknownCostTasks: 1,
      inputTokens: 110,
      outputTokens: 20,
      tokensKnown: 'some',
    });
    const text = formatMetrics(m);
    expect(text).toMatch(/shell\s+succeeded\s+1\s+shell\s+unknown\s+unknown\s+unknown/);
    expect(text).toContain('$0.0000');
    expect(text).toContain('cost      $0.5000 (1 task unknown, not counted)');
  });

  it('reports no cost at all as unknown, never $0', () => {
    const log = eventLog('m', [{ id: 'a' }, { id: 'b' }])
      .execute(0, 'direct')
      .attempt('a', 1, 0, 100, 'succeeded')
      .attempt('b', 1, 100, 200, 'succeeded');
    const m = metricsOf(log);
    expect(m.totals).toMatchObject({
      costUsd: null,
      costKnown: 'none',
      unknownCostTasks: 2,
      inputTokens: null,
    });
    expect(formatMetrics(m)).toContain('cost      unknown (no task reported it)');
    expect(formatMetrics(m)).not.toContain('$0');
  });

  it('sums usage per attempt and over the attempts of a task', () => {
    const log = eventLog('m', [{ id: 'a' }])
      .execute(0, 'agents')
      .attempt('a', 1, 0, 100, 'ready', usage(5, 1, 0.01))
      .attempt('a', 2, 200, 300, 'succeeded', usage(7, null, 0.02));
    const [task] = metricsOf(log).tasks;
    expect(task?.attemptLog.map((a) => a.usage)).toEqual([usage(5, 1, 0.01), usage(7, null, 0.02)]);
    expect(task).toMatchObject({ inputTokens: 12, outputTokens: 1 });
    expect(task?.costUsd).toBeCloseTo(0.03);
  });
});

describe('milestoneMetrics: attempts and time', () => {
  it('counts retries, times the final attempt and the total over attempts', () => {
    const log = eventLog('m', [{ id: 'flaky' }, { id: 'solid' }])
      .execute(0, 'agents')
      .attempt('flaky', 1, 0, 400, 'ready')
      .attempt('flaky', 2, 1400, 2000, 'succeeded')
      .attempt('solid', 1, 0, 1000, 'succeeded')
      .finish(2000);
    const m = metricsOf(log);
    const flaky = m.tasks.find((t) => t.id === 'flaky')!;
    expect(flaky).toMatchObject({ attempts: 2, retries: 1, wallMs: 600, totalMs: 1000, firstTime: false });
    expect(flaky.attemptLog.map((a) => a.end)).toEqual(['retried', 'succeeded']);
    expect(m.totals).toMatchObject({ attempts: 3, retries: 1, merges: 2, firstTime: 1, quality: 0.5 });
  });

  it('measures parallelism as busy / wall: two tasks side by side give 2, one after the other 1', () => {
    const parallel = eventLog('p', [{ id: 'a' }, { id: 'b' }])
      .execute(0, 'agents')
      .attempt('a', 1, 0, 1000, 'succeeded')
      .attempt('b', 1, 0, 1000, 'succeeded');
    expect(metricsOf(parallel).totals).toMatchObject({ wallMs: 1000, busyMs: 2000, parallelism: 2 });
    const sequential = eventLog('s', [{ id: 'a' }, { id: 'b' }])
      .execute(0, 'direct')
      .attempt('a', 1, 0, 1000, 'succeeded')
      .attempt('b', 1, 1000, 2000, 'succeeded');
    expect(metricsOf(sequential).totals).toMatchObject({ wallMs: 2000, busyMs: 2000, parallelism: 1 });
  });

  it('leaves the pause between an interrupted run and its resume out of every duration', () => {
    const log = eventLog('m', [{ id: 'a' }, { id: 'b' }])
      .execute(0, 'agents')
      .attempt('a', 1, 0, 500, 'succeeded')
      .event(100, { type: 'task_status', taskId: 'b', status: 'running', attempt: 1, agent: 'shell' })
      // kill -9; an hour later, resume puts b back and runs it again.
      .event(3_600_000, { type: 'task_status', taskId: 'b', status: 'pending', reason: 'interrupted' })
      .execute(3_600_000, 'agents')
      .attempt('b', 2, 3_600_000, 3_601_000, 'succeeded');
    const m = metricsOf(log);
    const b = m.tasks.find((t) => t.id === 'b')!;
    expect(b.attemptLog.map((a) => [a.end, a.durationMs])).toEqual([
      ['interrupted', null],
      ['succeeded', 1000],
    ]);
    // The cut-short attempt is counted once, and it is no retry: b landed on its first real try.
    expect(b).toMatchObject({
      attempts: 2,
      retries: 0,
      cutShort: 1,
      firstTime: true,
      wallMs: 1000,
      totalMs: 1000,
    });
    expect(m.totals).toMatchObject({ attempts: 3, retries: 0, cutShort: 1, quality: 1 });
    expect(m.runs.map((r) => r.wallMs)).toEqual([500, 1000]);
    expect(m.totals).toMatchObject({ wallMs: 1500, busyMs: 1500 });
  });

  it('a task still running has no wall time yet; a conflict is not a first-time landing', () => {
    const log = eventLog('m', [{ id: 'busy' }, { id: 'clash' }])
      .execute(0, 'agents')
      .event(0, { type: 'task_status', taskId: 'busy', status: 'running', attempt: 1, agent: 'shell' })
      .attempt('clash', 1, 0, 300, 'conflicted')
      .event(900, { type: 'task_merged', taskId: 'clash', commit: 'fixed' })
      .event(900, { type: 'task_status', taskId: 'clash', status: 'succeeded', attempt: 1 });
    const m = metricsOf(log);
    const byId = Object.fromEntries(m.tasks.map((t) => [t.id, t]));
    expect(byId.busy).toMatchObject({ status: 'running', wallMs: null, totalMs: null });
    expect(byId.busy?.attemptLog[0]?.end).toBe('running');
    expect(byId.clash).toMatchObject({ status: 'succeeded', merged: true, attempts: 1, firstTime: false });
    expect(m.totals.quality).toBe(0);
  });

  it('records phase commit times and the mode', () => {
    const log = eventLog('m', [{ id: 'a' }])
      .execute(0, 'hybrid')
      .attempt('a', 1, 0, 100, 'succeeded')
      .event(150, { type: 'phase_committed', phase: 'execute', commit: 'abc' })
      .finish(150);
    const m = metricsOf(log);
    expect(m.mode).toBe('hybrid');
    expect(m.status).toBe('completed');
    expect(m.phases).toEqual([{ phase: 'execute', commit: 'abc', at: '2025-01-01T10:00:00.150Z' }]);
    expect(m.runs).toEqual([
      expect.objectContaining({ mode: 'hybrid', attempts: 1, wallMs: 100, busyMs: 100, parallelism: 1 }),
    ]);
  });
});
