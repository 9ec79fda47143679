import { describe, expect, it } from 'vitest';
import type { FailedAttempt } from '../../src/engine/attempt-policy.js';
import { decideAfterFailure, retryDelay } from '../../src/engine/attempt-policy.js';
import { BudgetTracker } from '../../src/engine/budget-tracker.js';

function failed(
  change: Partial<Omit<FailedAttempt, 'outcome'>> & { outcome?: Partial<FailedAttempt['outcome']> } = {},
) {
  const { outcome, ...rest } = change;
  return decideAfterFailure({
    agent: 'claude',
    chain: ['claude', 'codex'],
    agentIndex: 0,
    retries: 0,
    maxRetries: 2,
    retryBaseMs: 1000,
    interrupted: false,
    halted: null,
    crashed: null,
    ...rest,
    outcome: { canceled: false, retryable: true, reason: 'exit 1', ...outcome },
  });
}

describe('decideAfterFailure: retry, fallback, halt, cancel', () => {
  it('retries a retryable failure with exponential backoff until the retries are used', () => {
    expect(failed()).toEqual({
      kind: 'retry',
      retries: 1,
      delayMs: 1000,
      note: 'retry 1 of 2 after: exit 1',
    });
    expect(failed({ retries: 1 })).toMatchObject({ kind: 'retry', retries: 2, delayMs: 2000 });
    expect(failed({ retries: 2 })).toEqual({ kind: 'fail', reason: 'exit 1' });
    expect(retryDelay(1000, 10)).toBe(30_000);
  });

  it('falls back to the next agent on a failure retries cannot fix, then fails at the end of the chain', () => {
    expect(failed({ outcome: { retryable: false, reason: 'unknown model' } })).toEqual({
      kind: 'fallback',
      agentIndex: 1,
      note: 'fallback from claude (unknown model) to codex',
    });
    expect(
      failed({ agent: 'codex', agentIndex: 1, outcome: { retryable: false, reason: 'unknown model' } }),
    ).toEqual({ kind: 'fail', reason: 'unknown model' });
  });

  it('a spent budget neither retries nor falls back: any agent would spend more', () => {
    expect(
      failed({ outcome: { retryable: false, stop: 'budget', reason: 'task t1 budget exceeded' } }),
    ).toEqual({ kind: 'fail', reason: 'task t1 budget exceeded' });
  });

  it('an agent that cannot log in halts the run when no fallback is left, and is not retried', () => {
    const decision = failed({
      chain: ['claude'],
      outcome: { retryable: true, stop: 'auth', reason: 'not logged in' },
    });
    expect(decision).toEqual({
      kind: 'fail',
      reason: 'not logged in',
      halt: {
        code: 'MILESTONE_AUTH',
        message: 'claude: not logged in; fix the login, then run execute again',
      },
    });
  });

  it('no retry once the run is halted; interrupted or canceled attempts are canceled with the reason', () => {
    expect(failed({ halted: 'milestone budget exceeded' })).toEqual({ kind: 'fail', reason: 'exit 1' });
    expect(failed({ interrupted: true })).toEqual({ kind: 'cancel', reason: 'interrupted' });
    expect(failed({ outcome: { canceled: true }, halted: 'milestone budget exceeded' })).toEqual({
      kind: 'cancel',
      reason: 'stopped: milestone budget exceeded',
    });
    expect(failed({ interrupted: true, crashed: 'task t3 failed with an engine error: boom' })).toEqual({
      kind: 'cancel',
      reason: 'stopped: task t3 failed with an engine error: boom',
    });
  });
});

describe('BudgetTracker: running totals', () => {
  const usage = (costUsd: number | null, tokens: number | null = null) => ({
    inputTokens: tokens,
    outputTokens: null,
    costUsd,
  });

  it('counts recorded and live usage against the milestone limit', () => {
    const tracker = new BudgetTracker(
      { task: { costUsd: 1, tokens: null }, milestone: { costUsd: 2, tokens: null } },
      [usage(0.5), usage(0.5)],
    );
    expect(tracker.milestoneOver()).toBeNull();
    tracker.report('t3', usage(1.5));
    expect(tracker.milestoneOver()).toContain('milestone budget exceeded');
    tracker.settle('t3');
    expect(tracker.milestoneOver()).toBeNull();
    tracker.add(usage(1.01));
    expect(tracker.milestoneOver()).toContain('milestone budget exceeded');
  });

  it('holds a task to its own limit across attempts, and says what a capped agent may still spend', () => {
    const tracker = new BudgetTracker(
      { task: { costUsd: 1, tokens: 100 }, milestone: { costUsd: null, tokens: null } },
      [],
    );
    expect(tracker.taskOver('t1', usage(0.6), usage(0.3))).toBeNull();
    expect(tracker.taskOver('t1', usage(0.6), usage(0.5))).toContain('task t1 budget exceeded');
    expect(tracker.taskOver('t1', usage(null), usage(null, 101))).toContain('100 tokens');
    expect(tracker.taskRemainingUsd(usage(0.75))).toBe(0.25);
    expect(tracker.taskRemainingUsd(usage(2))).toBe(0.01);
  });
});
