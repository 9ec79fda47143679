import type { MilestoneEvent, StoredEvent, Usage } from '../../src/core/events.js';
import type { MilestoneState } from '../../src/core/projection.js';
import { project } from '../../src/core/projection.js';
import type { Estimate, Mode, Plan, TaskStatus } from '../../src/core/types.js';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS } from '../../src/core/types.js';

const T0 = Date.parse('2025-01-01T10:00:00.000Z');

/** Builds a milestone's event log by hand: each step happens `ms` after the start. */
export function eventLog(id: string, tasks: Array<{ id: string; estimate?: Estimate }>) {
  const plan: Plan = {
    version: 1,
    id,
    title: `Milestone ${id}`,
    weights: DEFAULT_WEIGHTS,
    defaults: DEFAULT_DEFAULTS,
    tasks: tasks.map((t) => ({
      id: t.id,
      title: `Task ${t.id}`,
      phase: 'execute',
      run: 'true',
      needs: [],
      files: [],
      ...(t.estimate && { estimate: t.estimate }),
    })),
  };
  const events: StoredEvent[] = [];
  const at = (ms: number, event: MilestoneEvent) => {
    events.push({ ...event, seq: events.length + 1, milestoneId: id, at: new Date(T0 + ms).toISOString() });
  };
  at(0, { type: 'milestone_planned', plan, base: 'main', branch: `milestone/${id}` });
  const log = {
    events,
    /** `mode_selected` and `milestone_status executing`: one `execute` run starts. */
    execute(ms: number, mode: Mode) {
      at(ms, { type: 'mode_selected', mode, reason: 'test' });
      at(ms, { type: 'milestone_status', status: 'executing' });
      return log;
    },
    /** One attempt from `start` to `end`, ending in `status`; usage reported when given. */
    attempt(task: string, attempt: number, start: number, end: number, status: TaskStatus, usage?: Usage) {
      at(start, { type: 'task_status', taskId: task, status: 'running', attempt, agent: 'shell' });
      if (usage) at(end, { type: 'task_usage', taskId: task, attempt, usage });
      if (status === 'succeeded') at(end, { type: 'task_merged', taskId: task, commit: `c-${task}` });
      at(end, { type: 'task_status', taskId: task, status, attempt });
      return log;
    },
    event(ms: number, event: MilestoneEvent) {
      at(ms, event);
      return log;
    },
    finish(ms: number, status: 'completed' | 'failed' = 'completed') {
      at(ms, { type: 'milestone_status', status });
      return log;
    },
    state(): MilestoneState {
      return project(events)!;
    },
  };
  return log;
}

export function usage(
  inputTokens: number | null,
  outputTokens: number | null,
  costUsd: number | null,
): Usage {
  return { inputTokens, outputTokens, costUsd };
}
