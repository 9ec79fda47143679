import { describe, expect, it } from 'vitest';
import type { MilestoneEvent, StoredEvent } from '../../src/core/events.js';
import { attemptSpans } from '../../src/ui/timeline.js';

function stored(events: Array<[number, MilestoneEvent]>): StoredEvent[] {
  return events.map(([second, e], i) => ({
    ...e,
    seq: i + 1,
    milestoneId: 'm',
    at: new Date(second * 1000).toISOString(),
  }));
}

describe('attemptSpans', () => {
  it('puts overlapping attempts in different slots and reuses a slot once it is free', () => {
    const spans = attemptSpans(
      stored([
        [0, { type: 'task_status', taskId: 'a', status: 'running', attempt: 1, agent: 'shell' }],
        [1, { type: 'task_status', taskId: 'b', status: 'running', attempt: 1, agent: 'codex' }],
        [2, { type: 'task_status', taskId: 'a', status: 'ready', reason: 'retrying' }],
        [3, { type: 'task_status', taskId: 'a', status: 'running', attempt: 2, agent: 'shell' }],
        [5, { type: 'task_status', taskId: 'b', status: 'failed' }],
        [6, { type: 'task_status', taskId: 'a', status: 'succeeded' }],
      ]),
    );
    expect(spans.map((s) => [s.taskId, s.attempt, s.lane, s.outcome, (s.end! - s.start) / 1000])).toEqual([
      ['a', 1, 0, 'ready', 2],
      ['b', 1, 1, 'failed', 4],
      ['a', 2, 0, 'succeeded', 3],
    ]);
  });

  it('leaves a running attempt open, and closes it when the milestone stopped', () => {
    const running = stored([[0, { type: 'task_status', taskId: 'a', status: 'running', attempt: 1 }]]);
    expect(attemptSpans(running)[0]!.end).toBeNull();
    const stopped = stored([
      [0, { type: 'task_status', taskId: 'a', status: 'running', attempt: 1 }],
      [4, { type: 'milestone_status', status: 'paused' }],
    ]);
    expect(attemptSpans(stopped)[0]).toMatchObject({ outcome: 'interrupted', end: 4000 });
  });
});
