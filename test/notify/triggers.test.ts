import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { MilestoneEvent, StoredEvent } from '../../src/core/events.js';
import { project } from '../../src/core/projection.js';
import type { Plan } from '../../src/core/types.js';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS } from '../../src/core/types.js';
import { notificationFor } from '../../src/notify/triggers.js';

const plan: Plan = {
  version: 1,
  id: 'm',
  title: 'M',
  weights: DEFAULT_WEIGHTS,
  defaults: DEFAULT_DEFAULTS,
  tasks: [
    { id: 'd', title: 'D', phase: 'design', needs: [], files: [], run: 'true' },
    { id: 'x', title: 'X', phase: 'execute', needs: [], files: [], run: 'true' },
  ],
};

function run(events: MilestoneEvent[]) {
  const stored = events.map((e, i) => ({
    ...e,
    seq: i + 1,
    milestoneId: 'm',
    at: `2026-01-01T00:00:0${i}Z`,
  })) as StoredEvent[];
  return { state: project(stored)!, last: stored.at(-1)! };
}

const planned: MilestoneEvent = { type: 'milestone_planned', plan, base: 'main', branch: 'milestone/m' };

describe('notificationFor', () => {
  it('a conflict and a parked task name the task and phase', () => {
    const conflict = run([planned, { type: 'task_status', taskId: 'x', status: 'conflicted' }]);
    expect(notificationFor(conflict.last, conflict.state, DEFAULT_CONFIG)).toMatchObject({
      kind: 'conflict',
      task: 'x',
      phase: 'execute',
    });
    const parked = run([
      planned,
      { type: 'task_status', taskId: 'x', status: 'waiting' as never, agent: 'claude' },
    ]);
    expect(notificationFor(parked.last, parked.state, DEFAULT_CONFIG)).toMatchObject({
      kind: 'parked',
      message: "task x is parked until claude's usage limit resets",
    });
  });

  it('a pause at a review gate asks for the review; an interrupted pause says nothing', () => {
    const config = {
      ...DEFAULT_CONFIG,
      phases: { ...DEFAULT_CONFIG.phases, design: { approval: 'required' as const } },
    };
    const gate = run([
      planned,
      { type: 'task_status', taskId: 'd', status: 'succeeded' },
      { type: 'task_merged', taskId: 'd', commit: 'a'.repeat(40) },
      { type: 'phase_committed', phase: 'design', commit: 'b'.repeat(40) },
      { type: 'milestone_status', status: 'paused' },
    ]);
    expect(notificationFor(gate.last, gate.state, config)).toMatchObject({
      kind: 'review_gate',
      phase: 'design',
      message: 'phase design of m waits for review: milestone review m --phase design --approve',
    });
    expect(notificationFor(gate.last, gate.state, DEFAULT_CONFIG)).toBeNull();
  });

  it('a failure over the milestone budget is a budget notification', () => {
    const config = {
      ...DEFAULT_CONFIG,
      budget: { ...DEFAULT_CONFIG.budget, milestone: { costUsd: 1, tokens: null } },
    };
    const spent = run([
      planned,
      { type: 'task_usage', taskId: 'd', attempt: 1, usage: { inputTokens: 1, outputTokens: 1, costUsd: 2 } },
      { type: 'milestone_status', status: 'failed', reason: 'whatever' },
    ]);
    expect(notificationFor(spent.last, spent.state, config)?.kind).toBe('budget');
    expect(notificationFor(spent.last, spent.state, DEFAULT_CONFIG)?.kind).toBe('failed');
  });
});
