import type { StoredEvent } from '../core/events.js';

/** One attempt of one task, from its `running` event to the status that ended it. */
export interface AttemptSpan {
  taskId: string;
  attempt: number;
  agent: string;
  /** Milliseconds since the epoch. */
  start: number;
  /** null while it runs. */
  end: number | null;
  /** The status that ended it (`succeeded`, `failed`, `ready` for a retry...), null while running. */
  outcome: string | null;
  /** Agent slot: attempts that overlap in time never share one (interval partitioning). */
  lane: number;
}

/**
 * The attempts of a run, laid out in lanes (one per agent slot). Pure: folds `task_status`
 * events; an attempt ends at the task's next status other than `running`.
 */
export function attemptSpans(events: readonly StoredEvent[]): AttemptSpan[] {
  const open = new Map<string, AttemptSpan>();
  const spans: AttemptSpan[] = [];
  for (const event of events) {
    if (event.type !== 'task_status') continue;
    const at = Date.parse(event.at);
    const current = open.get(event.taskId);
    if (current && event.status !== 'running') {
      current.end = at;
      current.outcome = event.status;
      open.delete(event.taskId);
    }
    if (event.status === 'running') {
      if (current) {
        current.end = at;
        current.outcome = 'restarted';
      }
      const span: AttemptSpan = {
        taskId: event.taskId,
        attempt: event.attempt ?? 1,
        agent: event.agent ?? 'agent',
        start: at,
        end: null,
        outcome: null,
        lane: 0,
      };
      open.set(event.taskId, span);
      spans.push(span);
    }
  }
  // A milestone that stopped leaves nothing running: close what its last event left open.
  const last = events.at(-1);
  if (last?.type === 'milestone_status' && last.status !== 'executing') {
    for (const span of open.values()) {
      span.end = Date.parse(last.at);
      span.outcome = 'interrupted';
    }
  }
  const laneEnds: number[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    let lane = laneEnds.findIndex((end) => end <= span.start);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = span.end ?? Number.POSITIVE_INFINITY;
    span.lane = lane;
  }
  return spans;
}
