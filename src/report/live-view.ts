import type { StoredEvent } from '../core/events.js';
import type { Phase } from '../core/types.js';
import { formatCost, sumUsage, tokensOf } from '../core/usage.js';
import { integrationStatus } from './integration-status.js';
import type { StatusView, TaskView } from './status-view.js';

/** What the live view shows besides the status document: things the store does not keep. */
export interface LiveExtras {
  /** Last activity line of each running task (agent progress, else its log's last line). */
  activity: Record<string, string>;
  /** Milliseconds since the epoch, for elapsed times (the caller owns the clock). */
  now: number;
  /** The latest notes and events worth a line, oldest first. */
  recent: string[];
  /** Integration checks on the combined tree, in one phrase; null when none ran. */
  integration: string | null;
}

/** How to draw: the terminal's width and whether colour is allowed (`NO_COLOR`). */
export interface LiveRenderOptions {
  width: number;
  color: boolean;
}

/**
 * Counted in the summary line, in this order. `waiting` (parked on an agent's usage limit) is
 * counted by name so the view shows it as soon as the engine records it.
 */
const COUNTED = ['landed', 'running', 'waiting', 'failed', 'skipped', 'conflicted', 'canceled', 'pending'];

const BAR = 24;

function bar(percent: number, width = BAR): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%`;
}

/** `1:05` or `1:02:05`. */
export function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `12,345` or `unknown`. */
function tokens(n: number | null): string {
  return n === null ? 'unknown' : n.toLocaleString('en-US');
}

/** The bucket a task counts in: landed = succeeded and merged. */
export function bucketOf(task: Pick<TaskView, 'status' | 'merged'>): string {
  if (task.status === 'succeeded') return task.merged ? 'landed' : 'running';
  if (task.status === 'ready') return 'pending';
  return task.status;
}

/** Counts per bucket, every {@link COUNTED} bucket present (zero included). */
export function countBuckets(tasks: TaskView[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(COUNTED.map((b) => [b, 0]));
  for (const task of tasks) {
    const bucket = bucketOf(task);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return counts;
}

const ANSI: Record<string, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  magenta: [35, 39],
};

type Tone = keyof typeof ANSI | null;

const STATUS_TONE: Record<string, Tone> = {
  completed: 'green',
  executing: 'cyan',
  failed: 'red',
  paused: 'yellow',
  cancelled: 'yellow',
  planned: 'dim',
};

/** Cuts a plain line to the width (an ellipsis marks the cut). Lines are plain ASCII here. */
function fitWidth(line: string, width: number): string {
  if (line.length <= width) return line;
  return width <= 1 ? line.slice(0, width) : `${line.slice(0, width - 1)}~`;
}

/**
 * The live view as text, one frame. Pure: every line is cut to `width` before it is coloured,
 * so it never wraps (a wrapped line would break the in-place redraw).
 */
export function renderLiveView(view: StatusView, extras: LiveExtras, options: LiveRenderOptions): string {
  const width = Math.max(20, options.width - 1);
  const lines: Array<[string, Tone]> = [];
  const add = (text: string, tone: Tone = null) => lines.push([fitWidth(text, width), tone]);

  add(`${view.id}  ${view.title}`, 'bold');
  add(
    `${view.status}${view.mode ? ` · ${view.mode}` : ''} · ${view.git.branch}${view.git.head ? ` @ ${view.git.head.slice(0, 10)}` : ''}`,
    STATUS_TONE[view.status] ?? null,
  );
  const spend = sumUsage(view.tasks.map((t) => t.usage));
  add(
    `overall  ${bar(view.progress.overall)}  cost ${formatCost(spend.costUsd)}  tokens ${tokens(tokensOf(spend))}`,
    view.status === 'completed' ? 'green' : null,
  );
  for (const phase of Object.keys(view.progress.phases) as Phase[]) {
    const tasks = view.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    const landed = tasks.filter((t) => t.status === 'succeeded' && t.merged).length;
    const gate = view.gates[phase];
    add(
      `${phase.padEnd(8)} ${bar(view.progress.phases[phase])}  ${landed}/${tasks.length}${gate !== 'none' ? `  review: ${gate}` : ''}`,
      landed === tasks.length ? 'green' : null,
    );
  }
  const counts = countBuckets(view.tasks);
  add(
    COUNTED.map((b) => `${b} ${counts[b] ?? 0}`).join('  '),
    (counts.failed ?? 0) + (counts.conflicted ?? 0) > 0 ? 'red' : null,
  );
  const running = view.tasks.filter((t) => t.status === 'running' || (t.status as string) === 'waiting');
  for (const task of running) {
    const since = task.startedAt ? elapsed(extras.now - Date.parse(task.startedAt)) : '-';
    const activity = extras.activity[task.id];
    add(
      `  ${(task.status as string) === 'waiting' ? 'waiting' : 'running'} ${task.id}  ${task.agent}  attempt ${task.attempts}  ${since}${activity ? `  ${activity}` : ''}`,
      (task.status as string) === 'waiting' ? 'yellow' : 'cyan',
    );
  }
  for (const task of view.tasks.filter((t) => t.status === 'failed' || t.status === 'conflicted')) {
    add(`  ${task.status} ${task.id}${task.reason ? `: ${task.reason}` : ''}`, 'red');
  }
  add(`integration ${extras.integration ?? 'none yet'}`, 'dim');
  for (const note of extras.recent) add(`  ${note}`, 'dim');
  return lines
    .map(([text, tone]) => {
      if (!options.color || !tone) return text;
      const [open, close] = ANSI[tone]!;
      return `\u001B[${open}m${text}\u001B[${close}m`;
    })
    .join('\n');
}

/**
 * The integration state from the log (`green at <commit>`, `bisecting (2 of 8 landings)`,
 * `reverted <task>` ...; see `integrationStatus`), or null when none of the events says.
 */
export function integrationState(events: readonly StoredEvent[]): string | null {
  const status = integrationStatus(events);
  return status.state === 'none' ? null : status.text;
}

/** One short line for an event worth remembering in the view's footer; null for the rest. */
export function recentLine(event: StoredEvent): string | null {
  switch (event.type) {
    case 'task_merged':
      return `${event.taskId} landed as ${event.commit.slice(0, 10)}`;
    case 'phase_committed':
      return `phase ${event.phase} committed as ${event.commit.slice(0, 10)}`;
    case 'task_status':
      if (event.status === 'failed' || event.status === 'conflicted' || event.status === 'skipped')
        return `${event.taskId} ${event.status}${event.reason ? `: ${event.reason}` : ''}`;
      return null;
    case 'milestone_status':
      return `milestone ${event.status}${event.reason ? `: ${event.reason}` : ''}`;
    default:
      return null;
  }
}
