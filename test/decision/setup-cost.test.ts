import { describe, expect, it } from 'vitest';
import type { ConcurrencyChoice } from '../../src/decision/resources.js';
import type { SlotCost } from '../../src/decision/setup-cost.js';
import { weighConcurrency, weighSetupCost } from '../../src/decision/setup-cost.js';

const machine: ConcurrencyChoice = { concurrency: 4, source: 'machine', explanation: '4 (2 CPUs x 2, ...)' };
const cost = (over: Partial<SlotCost> = {}): SlotCost => ({
  readySlots: 0,
  setupMs: null,
  cpuBoundVerify: false,
  cpus: 2,
  meanTaskMs: null,
  tasks: 4,
  ...over,
});
const agents = { mode: 'agents' as const, reason: 'agents: high complexity' };

describe('weighConcurrency', () => {
  it('caps the machine default at one task per CPU when verify runs on the CPU', () => {
    const choice = weighConcurrency(machine, cost({ cpuBoundVerify: true }));
    expect(choice.concurrency).toBe(2);
    expect(choice.explanation).toContain('verify runs on the CPU: one task per CPU');
  });

  it('keeps a flag or a configured concurrency, and a default without verify', () => {
    expect(weighConcurrency({ ...machine, source: 'flag' }, cost({ cpuBoundVerify: true })).concurrency).toBe(
      4,
    );
    expect(
      weighConcurrency({ ...machine, source: 'config' }, cost({ cpuBoundVerify: true })).concurrency,
    ).toBe(4);
    expect(weighConcurrency(machine, cost()).concurrency).toBe(4);
  });
});

describe('weighSetupCost', () => {
  it('chooses direct when setting up new slots costs more than parallel agents save', () => {
    // 3 new slots x 30 s on 2 CPUs = 45 s of setup; 4 tasks x 5 s x (1 - 1/4) = 15 s saved.
    const decided = weighSetupCost(agents, false, cost({ setupMs: 30_000, meanTaskMs: 5_000 }), 4);
    expect(decided.mode).toBe('direct');
    expect(decided.reason).toContain(
      'setting up 3 more worktree slot(s) (~30.0 s each, measured) would cost ~45.0 s',
    );
    expect(decided.reason).toContain('more than parallel agents save (~15.0 s)');
  });

  it('keeps agents when the slots are ready, setup is cheap, or long tasks repay it', () => {
    expect(
      weighSetupCost(agents, false, cost({ setupMs: 30_000, meanTaskMs: 5_000, readySlots: 4 }), 4).mode,
    ).toBe('agents');
    expect(weighSetupCost(agents, false, cost({ setupMs: 500, meanTaskMs: 5_000 }), 4).mode).toBe('agents');
    expect(weighSetupCost(agents, false, cost({ setupMs: 30_000, meanTaskMs: 600_000 }), 4).mode).toBe(
      'agents',
    );
  });

  it('never overrides a requested mode, and does nothing without measurements', () => {
    expect(weighSetupCost(agents, true, cost({ setupMs: 30_000, meanTaskMs: 5_000 }), 4).mode).toBe('agents');
    expect(weighSetupCost(agents, false, cost({ setupMs: null, meanTaskMs: 5_000 }), 4).mode).toBe('agents');
    expect(weighSetupCost(agents, false, cost({ setupMs: 30_000, meanTaskMs: null }), 4).mode).toBe('agents');
  });
});
