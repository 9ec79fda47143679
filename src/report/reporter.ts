import { formatSpanMs } from '../core/duration.js';
import type { StoredEvent } from '../core/events.js';
import { modeLine } from '../decision/mode.js';

/** Something the engine reports that is not stored: live agent output and plain notes. */
export type LiveEvent =
  | { type: 'agent_progress'; taskId: string; message: string }
  | { type: 'note'; level: 'info' | 'warn'; message: string };

/**
 * Where progress goes (Nx `LifeCycle`, vitest `Reporter`): every hook optional. The engine calls
 * these and never prints; a composite fans out to text, NDJSON or anything else.
 */
export interface Reporter {
  /** A step was recorded in the store. */
  onEvent?(event: StoredEvent): void;
  /** Live output that is not worth storing. */
  onLive?(event: LiveEvent): void;
}

/** Fans one stream out to several reporters. */
export function compositeReporter(reporters: Reporter[]): Reporter {
  return {
    onEvent: (event) => {
      for (const r of reporters) r.onEvent?.(event);
    },
    onLive: (event) => {
      for (const r of reporters) r.onLive?.(event);
    },
  };
}

/** One JSON document per line: stored events and live events alike (`execute --json`). */
export function ndjsonReporter(write: (line: string) => void): Reporter {
  return {
    onEvent: (event) => write(JSON.stringify(event)),
    onLive: (event) => write(JSON.stringify({ ...event, at: new Date().toISOString() })),
  };
}

function seconds(from: string | undefined, to: string): string {
  if (!from) return '';
  return ` in ${formatSpanMs(Date.parse(to) - Date.parse(from))}`;
}

/** Readable lines: task started, finished, merged, with durations; phase commits; notes. */
export function textReporter(write: (line: string) => void, options: { verbose?: boolean } = {}): Reporter {
  const started = new Map<string, string>();
  // Attempts carry the task's own number (as `status`, `metrics` and the `attempt-N.log` files);
  // a task's first start in this run says which attempts came before it (an earlier run's,
  // one a crash or kill cut short among them).
  const startedHere = new Map<string, number>();
  return {
    onEvent: (event) => {
      switch (event.type) {
        case 'task_status':
          if (event.status === 'running') {
            started.set(event.taskId, event.at);
            const here = startedHere.get(event.taskId) ?? 0;
            startedHere.set(event.taskId, here + 1);
            // Events without the number (older stores) count this run's starts.
            const n = event.attempt ?? here + 1;
            const earlier =
              n > 1 && here === 0 ? `; ${n === 2 ? 'attempt 1' : `attempts 1-${n - 1}`} before this run` : '';
            write(`> ${event.taskId} started (attempt ${n}, ${event.agent ?? 'agent'}${earlier})`);
          } else if (event.status === 'succeeded') {
            write(`+ ${event.taskId} succeeded${seconds(started.get(event.taskId), event.at)}`);
          } else if (event.status !== 'pending' && event.status !== 'ready') {
            write(
              `! ${event.taskId} ${event.status}${seconds(started.get(event.taskId), event.at)}${event.reason ? `: ${event.reason}` : ''}`,
            );
          } else if (event.reason) {
            write(`  ${event.taskId} ${event.status}: ${event.reason}`);
          }
          break;
        case 'task_merged':
          write(`= ${event.taskId} merged as ${event.commit.slice(0, 10)}`);
          break;
        case 'phase_committed':
          write(`# phase ${event.phase} committed as ${event.commit.slice(0, 10)}`);
          break;
        case 'mode_selected':
          write(modeLine(event.mode, event.reason));
          break;
        case 'milestone_status':
          write(`milestone ${event.status}${event.reason ? `: ${event.reason}` : ''}`);
          break;
        default:
          break;
      }
    },
    onLive: (event) => {
      if (event.type === 'note') write(event.level === 'warn' ? `warning: ${event.message}` : event.message);
      else if (options.verbose) write(`  ${event.taskId}: ${event.message}`);
    },
  };
}
