import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createLogUpdate } from 'log-update';
import type { StoredEvent } from '../core/events.js';
import type { LiveExtras } from './live-view.js';
import { integrationState, recentLine, renderLiveView } from './live-view.js';
import type { LiveEvent, Reporter } from './reporter.js';
import type { StatusView } from './status-view.js';

/** A terminal the view can redraw on (`process.stdout` when it is a TTY). */
export interface LiveStream {
  write(text: string): boolean;
  columns?: number;
  rows?: number;
  isTTY?: boolean;
}

/** Options of {@link liveTerminal}. */
export interface LiveTerminalOptions {
  stream: LiveStream;
  /** Reads the current status document (from the store). */
  read: () => StatusView;
  /** The milestone's events after a seq, for the integration state (the store's `events`). */
  events?: (afterSeq: number) => StoredEvent[];
  /** Where a running task's attempt log is, for its last line when the agent reports nothing. */
  logPath?: (taskId: string, attempt: number) => string | null;
  /** Footer lines from the store's events (status --watch) rather than from the reporter. */
  footerFromLog?: boolean;
  /** `NO_COLOR` set to a non-empty value turns colour off (no-color.org). */
  env: Record<string, string | undefined>;
  /** Clock for elapsed times; the wall clock by default. */
  now?: () => number;
  /** Redraw at most this often on bursts of events, and at least once per tick. */
  throttleMs?: number;
  tickMs?: number;
}

/** A live view drawing in place; `stop()` leaves the last frame on screen. */
export interface LiveTerminal {
  /** Feed it the engine's events (`execute`). */
  reporter: Reporter;
  /** Draw now (status --watch calls this when the store changed). */
  refresh(): void;
  /** A line for the footer (a notification); `bell` rings the terminal bell. */
  note(line: string, bell: boolean): void;
  /** Final frame, cursor restored. Calling it again does nothing. */
  stop(): void;
}

const RECENT = 4;

/**
 * Whether to draw the live view: stdout is a terminal, not CI, not `--json`, and the terminal
 * can move the cursor. Otherwise the caller prints today's plain lines.
 */
export function liveViewWanted(
  isTTY: boolean,
  env: Record<string, string | undefined>,
  json: boolean,
): boolean {
  if (!isTTY || json) return false;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false;
  if (env.TERM === 'dumb' || env.MILESTONE_PLAIN) return false;
  return true;
}

/** The last non-empty line of a file, reading at most its last 4 KiB; null if unreadable. */
export function lastLine(path: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 4096);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('--- milestone:'));
    return lines.at(-1) ?? null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Cleans an agent's line for one row of the view: no control characters. */
function oneLine(text: string): string {
  return text
    .replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/[\u0000-\u001F\u007F]/g, ' ')
    .trim();
}

/**
 * The terminal live view: log-update redraws the frame in place (only changed lines, inside the
 * terminal's synchronized-output mode, so it does not flicker); frames come from the pure
 * `renderLiveView`, cut to the terminal's width.
 */
export function liveTerminal(options: LiveTerminalOptions): LiveTerminal {
  const draw = createLogUpdate(options.stream as NodeJS.WriteStream, { showCursor: false });
  const now = options.now ?? Date.now;
  const activity = new Map<string, string>();
  const recent: string[] = [];
  let integration: string | null = null;
  let seenSeq = 0;
  let stopped = false;
  let pending: NodeJS.Timeout | null = null;

  const remember = (line: string) => {
    recent.push(oneLine(line));
    if (recent.length > RECENT) recent.shift();
  };
  const followEvents = () => {
    if (!options.events) return;
    const fresh = options.events(seenSeq);
    if (fresh.length === 0) return;
    seenSeq = fresh.at(-1)!.seq;
    integration = integrationState(fresh) ?? integration;
    if (!options.footerFromLog) return;
    for (const event of fresh.slice(-50)) {
      const line = recentLine(event);
      if (line) remember(line);
    }
  };
  const frame = (): string => {
    followEvents();
    const view = options.read();
    const lines: Record<string, string> = {};
    for (const task of view.tasks) {
      if (task.status !== 'running') continue;
      const fromLog = options.logPath?.(task.id, task.attempts);
      const text = activity.get(task.id) ?? (fromLog ? lastLine(fromLog) : null);
      if (text) lines[task.id] = oneLine(text);
    }
    const extras: LiveExtras = { activity: lines, now: now(), recent: [...recent], integration };
    return renderLiveView(view, extras, {
      width: options.stream.columns ?? 80,
      color: !options.env.NO_COLOR,
    });
  };
  const refresh = () => {
    if (stopped) return;
    if (pending) {
      clearTimeout(pending);
      pending = null;
    }
    draw(frame());
  };
  const schedule = () => {
    if (stopped || pending) return;
    pending = setTimeout(refresh, options.throttleMs ?? 100);
  };
  const ticker = setInterval(refresh, options.tickMs ?? 1000);
  ticker.unref();

  const reporter: Reporter = {
    onEvent: (event) => {
      if (event.type === 'task_status' && event.status !== 'running') activity.delete(event.taskId);
      const line = recentLine(event);
      if (line) remember(line);
      schedule();
    },
    onLive: (event: LiveEvent) => {
      if (event.type === 'agent_progress') activity.set(event.taskId, event.message);
      else remember(event.level === 'warn' ? `warning: ${event.message}` : event.message);
      schedule();
    },
  };
  return {
    reporter,
    refresh,
    note: (line, bell) => {
      remember(line);
      // BEL moves no cursor, so it cannot disturb the frame.
      if (bell && !stopped) options.stream.write('\u0007');
      schedule();
    },
    stop: () => {
      if (stopped) return;
      refresh();
      stopped = true;
      clearInterval(ticker);
      draw.done();
    },
  };
}
