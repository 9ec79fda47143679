import type { StoredEvent, Usage } from '../core/events.js';
import type { Mode } from '../core/types.js';

/**
 * How an attempt ended: a terminal task status, `retried` (the engine queued another attempt),
 * `interrupted` (the run stopped without recording an end; resume put the task back) or
 * `running` (no end in the log yet).
 */
export type AttemptEnd =
  | 'succeeded'
  | 'failed'
  | 'conflicted'
  | 'canceled'
  | 'skipped'
  | 'retried'
  | 'interrupted'
  | 'running';

/** One attempt of one task, read from the event log. */
export interface AttemptRecord {
  taskId: string;
  /** 1-based, as the engine numbered it (counting every run). */
  attempt: number;
  /** 1-based within its `execute` run: what reports show, so a resumed run starts at 1 again. */
  runAttempt: number;
  agent: string | null;
  /** Index into {@link AttemptLog.sessions} of the `execute` run it belongs to. */
  session: number;
  /** The `task_status running` event's time. */
  startedAt: string;
  /** The time of the task's next status event; `null` when no end was recorded. */
  endedAt: string | null;
  durationMs: number | null;
  end: AttemptEnd;
  /** Usage the agent reported for this attempt; `null` figures were not reported. */
  usage: Usage;
}

/** One `execute` run (from its `milestone_status executing` event) and the mode it ran in. */
export interface SessionRecord {
  mode: Mode | null;
  at: string;
}

/** Attempts and execution sessions of one milestone, oldest first. */
export interface AttemptLog {
  attempts: AttemptRecord[];
  sessions: SessionRecord[];
}

/** The event types the metrics read; the command asks the store for these only. */
export const METRICS_EVENT_TYPES = [
  'milestone_status',
  'mode_selected',
  'task_status',
  'task_usage',
  'phase_committed',
  'task_merged',
  'intent',
  'outcome',
] as const;

const UNKNOWN: Usage = { inputTokens: null, outputTokens: null, costUsd: null };

function addKnown(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

/**
 * Reads every attempt from the log: an attempt starts at a `task_status running` and ends at the
 * task's next status event. A `pending` end is resume putting an interrupted task back long after
 * the fact, so that attempt's end and duration stay unknown rather than counting the downtime. Pure.
 */
export function readAttempts(events: readonly StoredEvent[]): AttemptLog {
  const attempts: AttemptRecord[] = [];
  const sessions: SessionRecord[] = [];
  const open = new Map<string, AttemptRecord>();
  const byTask = new Map<string, AttemptRecord[]>();
  let mode: Mode | null = null;

  const close = (record: AttemptRecord, end: AttemptEnd, at: string | null) => {
    record.end = end;
    record.endedAt = at;
    record.durationMs = at === null ? null : Math.max(0, Date.parse(at) - Date.parse(record.startedAt));
    open.delete(record.taskId);
  };

  for (const event of events) {
    if (event.type === 'mode_selected') mode = event.mode;
    else if (event.type === 'milestone_status' && event.status === 'executing') {
      sessions.push({ mode, at: event.at });
    } else if (event.type === 'task_usage') {
      const record = byTask.get(event.taskId)?.findLast((a) => a.attempt === event.attempt);
      if (record) {
        record.usage = {
          inputTokens: addKnown(record.usage.inputTokens, event.usage.inputTokens),
          outputTokens: addKnown(record.usage.outputTokens, event.usage.outputTokens),
          costUsd: addKnown(record.usage.costUsd, event.usage.costUsd),
        };
      }
    } else if (event.type === 'task_status') {
      const current = open.get(event.taskId);
      if (event.status === 'running') {
        if (current) close(current, 'interrupted', null);
        // Logs without a session event (imported state) still get one, in the mode of the time.
        if (sessions.length === 0) sessions.push({ mode, at: event.at });
        const previous = byTask.get(event.taskId)?.at(-1)?.attempt ?? 0;
        const inRun = (byTask.get(event.taskId) ?? []).filter(
          (a) => a.session === sessions.length - 1,
        ).length;
        const record: AttemptRecord = {
          taskId: event.taskId,
          attempt: event.attempt ?? previous + 1,
          runAttempt: inRun + 1,
          agent: event.agent ?? null,
          session: sessions.length - 1,
          startedAt: event.at,
          endedAt: null,
          durationMs: null,
          end: 'running',
          usage: UNKNOWN,
        };
        attempts.push(record);
        if (byTask.has(event.taskId)) byTask.get(event.taskId)!.push(record);
        else byTask.set(event.taskId, [record]);
        open.set(event.taskId, record);
      } else if (current) {
        if (event.status === 'pending') close(current, 'interrupted', null);
        else
          close(
            current,
            event.status === 'ready' || event.status === 'waiting' ? 'retried' : event.status,
            event.at,
          );
      }
    }
  }
  return { attempts, sessions };
}
