import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/core/events.js';
import { elapsed, integrationState, renderLiveView } from '../../src/report/live-view.js';
import type { StatusView, TaskView } from '../../src/report/status-view.js';

function task(id: string, status: string, extra: Partial<TaskView> = {}): TaskView {
  return {
    id,
    title: id,
    phase: 'execute',
    needs: [],
    status: status as TaskView['status'],
    attempts: 1,
    agent: 'codex',
    merged: status === 'succeeded',
    commit: null,
    reason: null,
    usage: { inputTokens: 1000, outputTokens: 234, costUsd: 0.5 },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    sessionId: null,
    waitingUntil: null,
    ...extra,
  };
}

function view(tasks: TaskView[]): StatusView {
  const none = { design: 'none', spec: 'none', task: 'none', execute: 'none' } as const;
  return {
    id: 'm',
    title: 'A milestone with a rather long title that will not fit in a narrow terminal at all',
    status: 'executing',
    mode: 'agents',
    modeReason: null,
    adoption: null,
    wouldHave: null,
    transitionedAt: null,
    gates: none,
    progress: { overall: 50, phases: { design: 0, spec: 0, task: 0, execute: 50 } },
    tasks,
    git: { base: 'main', branch: 'milestone/m', head: null },
    version: 1,
    created: '',
    updated: '',
    coordinator: null,
  };
}

const extras = {
  activity: { b: 'editing src/a-file-with-a-long-name.ts and some more words' },
  now: Date.parse('2026-01-01T00:01:05.000Z'),
  recent: [],
  integration: null,
};

describe('renderLiveView', () => {
  it('counts waiting (parked) tasks and sums cost and tokens', () => {
    const text = renderLiveView(
      view([task('a', 'succeeded'), task('b', 'running'), task('c', 'waiting')]),
      extras,
      {
        width: 200,
        color: false,
      },
    );
    expect(text).toContain('landed 1  running 1  waiting 1');
    expect(text).toContain('cost $1.5000  tokens 3,702');
    expect(text).toContain('running b  codex  attempt 1  1:05  editing src/a-file');
    expect(text).toContain('waiting c  codex');
  });

  it('cuts every line to the width and colours only when allowed', () => {
    const tasks = [task('a', 'succeeded'), task('b', 'running')];
    const plain = renderLiveView(view(tasks), extras, { width: 40, color: false });
    for (const line of plain.split('\n')) expect(line.length).toBeLessThan(40);
    expect(plain).not.toContain('\u001B');
    expect(renderLiveView(view(tasks), extras, { width: 40, color: true })).toContain('\u001B[1m');
  });

  it('formats elapsed time and reads the integration state from the log', () => {
    expect(elapsed(3_725_000)).toBe('1:02:05');
    const at = { seq: 1, milestoneId: 'm', at: '' };
    const commit = 'abcdef0123456789';
    const events = [
      { ...at, type: 'intent', step: 'integration_check', detail: { commit } },
      { ...at, type: 'intent', step: 'integration_process', detail: { pid: 42 } },
      { ...at, type: 'outcome', step: 'integration_check', ok: false, detail: { commit } },
      { ...at, type: 'intent', step: 'integration_bisect', detail: { commit, prefix: 4, of: 8 } },
      { ...at, type: 'outcome', step: 'integration_revert', taskId: 't5', ok: true, detail: { commit } },
    ] as StoredEvent[];
    expect(integrationState(events.slice(0, 2))).toBe('checking abcdef0123');
    expect(integrationState(events.slice(0, 3))).toBe('red at abcdef0123');
    expect(integrationState(events.slice(0, 4))).toBe('bisecting (4 of 8 landings)');
    expect(integrationState(events)).toBe('reverted t5 (abcdef0123)');
    expect(integrationState(events.slice(1, 2))).toBeNull();
  });
});
