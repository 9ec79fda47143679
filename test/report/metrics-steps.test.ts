import { describe, expect, it } from 'vitest';
import { milestoneMetrics } from '../../src/report/metrics.js';
import { formatMetrics } from '../../src/report/metrics-text.js';
import { eventLog } from './metrics-log.js';

/**
 * Task `a`: waits 500 ms for a slot, then 500 ms of checkout + setup, agent 1.5 s, verify 0.4 s,
 * commit 0.1 s, merge 0.2 s. Task `b`: its first attempt's setup fails (a configuration failure),
 * the second succeeds. Then a phase commit (0.2 s) and a teardown (0.4 s) close the run.
 */
function run() {
  return eventLog('m', [{ id: 'a' }, { id: 'b' }])
    .execute(0, 'agents')
    .event(0, { type: 'task_status', taskId: 'a', status: 'running', attempt: 1, agent: 'shell' })
    .event(0, { type: 'intent', step: 'worktree', taskId: 'a' })
    .event(0, { type: 'task_status', taskId: 'b', status: 'running', attempt: 1, agent: 'shell' })
    .event(0, { type: 'intent', step: 'worktree', taskId: 'b' })
    .event(500, {
      type: 'outcome',
      step: 'worktree',
      taskId: 'b',
      ok: false,
      detail: {
        attempt: 1,
        checkoutMs: 100,
        prepareMs: 400,
        reason: 'worktree setup `npm ci` exited with 1',
      },
    })
    .event(500, { type: 'task_status', taskId: 'b', status: 'ready', attempt: 1 })
    .event(600, { type: 'task_status', taskId: 'b', status: 'running', attempt: 2, agent: 'shell' })
    .event(1000, {
      type: 'outcome',
      step: 'worktree',
      taskId: 'a',
      ok: true,
      detail: { attempt: 1, checkoutMs: 300, prepareMs: 200 },
    })
    .event(2000, { type: 'task_merged', taskId: 'b', commit: 'c-b' })
    .event(2000, { type: 'task_status', taskId: 'b', status: 'succeeded', attempt: 2 })
    .event(3000, {
      type: 'outcome',
      step: 'agent',
      taskId: 'a',
      ok: true,
      detail: { attempt: 1, durationMs: 2000, steps: { agent: 1500, verify: 400, commit: 100 } },
    })
    .event(3000, { type: 'intent', step: 'merge', taskId: 'a' })
    .event(3200, { type: 'task_merged', taskId: 'a', commit: 'c-a' })
    .event(3200, { type: 'task_status', taskId: 'a', status: 'succeeded', attempt: 1 })
    .event(3300, { type: 'intent', step: 'phase_commit', detail: { phase: 'execute' } })
    .event(3500, { type: 'phase_committed', phase: 'execute', commit: 'p' })
    .event(4000, { type: 'outcome', step: 'teardown', ok: true, detail: { durationMs: 400 } })
    .finish(4000);
}

describe('metrics by step', () => {
  it('times setup, agent, verify, commit, merge and teardown per task and per run', () => {
    const m = milestoneMetrics(run().state(), run().events);
    expect(m.totals.steps).toEqual({
      setup: 1000,
      agent: 1500,
      verify: 400,
      commit: 300,
      merge: 200,
      teardown: 400,
    });
    const a = m.tasks.find((t) => t.id === 'a')!;
    expect(a.steps).toEqual({ setup: 500, agent: 1500, verify: 400, commit: 100, merge: 200, teardown: 0 });
    expect(m.runs[0]!.steps.teardown).toBe(400);
    expect(formatMetrics(m)).toContain(
      'steps     setup 1s, agent 1.5s, verify 0.4s, commit 0.3s, merge 0.2s, teardown 0.4s',
    );
  });

  it('wall includes the phase commit and the teardown; parallelism leaves out waiting for a slot', () => {
    const m = milestoneMetrics(run().state(), run().events);
    // The last attempt ended at 3.2 s; the run ended with its teardown at 4 s.
    expect(m.runs[0]!.wallMs).toBe(4000);
    // a: 3200 - 500 waiting; b: 500 (its own checkout and failed setup) + 1400.
    expect(m.runs[0]!.busyMs).toBe(2700 + 500 + 1400);
  });

  it('quality does not count configuration failures', () => {
    const m = milestoneMetrics(run().state(), run().events);
    const b = m.tasks.find((t) => t.id === 'b')!;
    expect(b).toMatchObject({ attempts: 2, configFailures: 1, firstTime: true });
    expect(m.totals).toMatchObject({ quality: 1, configFailures: 1 });
    expect(formatMetrics(m)).toContain('1 configuration failure (setup, command not found) not counted');
  });

  it("a queue worker's setup failure or slot refusal counts as a configuration failure, as a local setup failure does", () => {
    // c: a worker could not make its slot (kind setup), then another refused it (no git-lfs);
    // the third attempt landed. The local slot was made each time (worktree ok).
    let log = eventLog('m', [{ id: 'c' }]).execute(0, 'agents');
    const failures = ['setup', 'lfs_missing'] as const;
    failures.forEach((kind, i) => {
      const at = i * 100;
      log = log
        .event(at, { type: 'task_status', taskId: 'c', status: 'running', attempt: i + 1, agent: 'shell' })
        .event(at, { type: 'outcome', step: 'worktree', taskId: 'c', ok: true, detail: { attempt: i + 1 } })
        .event(at + 50, {
          type: 'outcome',
          step: 'agent',
          taskId: 'c',
          ok: false,
          detail: {
            attempt: i + 1,
            durationMs: 50,
            reason: 'no worktree for the attempt (on w1)',
            failureKind: kind,
          },
        })
        .event(at + 50, { type: 'task_status', taskId: 'c', status: 'ready', attempt: i + 1 });
    });
    log = log.attempt('c', 3, 300, 400, 'succeeded').finish(400);
    const m = milestoneMetrics(log.state(), log.events);
    expect(m.tasks[0]).toMatchObject({ attempts: 3, configFailures: 2, firstTime: true });
    expect(m.totals).toMatchObject({ quality: 1, configFailures: 2 });
    expect(formatMetrics(m)).toContain('2 configuration failures (setup, command not found) not counted');

    // An agent's own failure with a kind (its quota) still counts against quality.
    const quota = eventLog('m', [{ id: 'q' }])
      .execute(0, 'agents')
      .event(0, { type: 'task_status', taskId: 'q', status: 'running', attempt: 1, agent: 'shell' })
      .event(50, {
        type: 'outcome',
        step: 'agent',
        taskId: 'q',
        ok: false,
        detail: { attempt: 1, durationMs: 50, reason: 'usage limit', failureKind: 'usage_limit' },
      })
      .event(50, { type: 'task_status', taskId: 'q', status: 'failed', attempt: 1 })
      .attempt('q', 2, 100, 200, 'succeeded')
      .finish(200);
    const q = milestoneMetrics(quota.state(), quota.events);
    expect(q.tasks[0]).toMatchObject({ attempts: 2, configFailures: 0, firstTime: false });
  });

  it('numbers attempts from 1 again in each run', () => {
    const log = eventLog('m', [{ id: 'a' }])
      .execute(0, 'agents')
      .attempt('a', 1, 0, 100, 'failed')
      .execute(1000, 'agents')
      .attempt('a', 2, 1000, 1100, 'succeeded');
    const m = milestoneMetrics(log.state(), log.events);
    expect(m.tasks[0]!.attemptLog.map((a) => [a.attempt, a.runAttempt])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });
});
