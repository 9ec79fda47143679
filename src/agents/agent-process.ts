import type { Usage } from '../core/events.js';
import { InternalError } from '../errors.js';
import { appendLogLine } from '../process/log-file.js';
import { ProcessStartError } from '../process/process-error.js';
import { redactSecrets } from '../process/redact-secrets.js';
import type { ProcessResult, RunProcessOptions } from '../process/run-process.js';
import { runProcess } from '../process/run-process.js';
import type { AgentEvent, AgentRequest, AgentResult } from './adapter.js';

/** Usage of an agent that reports none. */
export const UNKNOWN_USAGE: Usage = { inputTokens: null, outputTokens: null, costUsd: null };

/** The process options every agent attempt shares: its worktree, time limit, grace period, log. */
export function attemptProcessOptions(
  request: AgentRequest,
): Pick<RunProcessOptions, 'cwd' | 'timeoutMs' | 'graceMs' | 'logFile'> {
  return {
    cwd: request.worktree,
    timeoutMs: request.timeoutMs,
    ...(request.graceMs === undefined ? {} : { graceMs: request.graceMs }),
    logFile: request.logFile,
  };
}

/** What {@link streamProcess} yields: the start, each stdout line, and last how it ended. */
type StreamItem =
  | { kind: 'started'; pid: number }
  | { kind: 'line'; line: string }
  | { kind: 'exit'; result: ProcessResult };

/**
 * Runs an agent's program and yields its start and each stdout line as they happen, then its
 * {@link ProcessResult}. If the consumer stops early, the process tree is stopped too.
 * Throws {@link ProcessStartError} when the program cannot start.
 */
async function* streamProcess(
  options: Omit<RunProcessOptions, 'onStdoutLine' | 'onStart' | 'signal'>,
  signal: AbortSignal,
): AsyncGenerator<StreamItem> {
  const controller = new AbortController();
  const forward = (): void => controller.abort();
  signal.addEventListener('abort', forward, { once: true });
  if (signal.aborted) controller.abort();

  const queue: StreamItem[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const running = runProcess({
    ...options,
    signal: controller.signal,
    onStart: (pid) => {
      queue.push({ kind: 'started', pid });
      notify();
    },
    onStdoutLine: (line) => {
      queue.push({ kind: 'line', line });
      notify();
    },
  }).finally(() => {
    done = true;
    notify();
  });
  // Observed below; this only keeps an early rejection from counting as unhandled.
  running.catch(() => {});
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    yield { kind: 'exit', result: await running };
  } finally {
    signal.removeEventListener('abort', forward);
    if (!done) {
      controller.abort();
      await running.catch(() => {});
    }
  }
}

/**
 * One attempt's process as agent events: `started`, then what `onLine` makes of each stdout
 * line; returns (without yielding it) what `onExit` makes of the process's end, or the failure
 * to start it. The shell, exec and coding-agent adapters differ only in those two.
 */
export async function* attemptEvents(
  options: Omit<RunProcessOptions, 'onStdoutLine' | 'onStart' | 'signal'>,
  signal: AbortSignal,
  onLine: (line: string) => Iterable<AgentEvent>,
  onExit: (run: ProcessResult) => AgentResult,
): AsyncGenerator<AgentEvent, AgentResult> {
  let result: AgentResult | undefined;
  try {
    for await (const item of streamProcess(options, signal)) {
      if (item.kind === 'started') yield { type: 'started', pid: item.pid };
      else if (item.kind === 'line') yield* onLine(item.line);
      else result = onExit(item.result);
    }
  } catch (error) {
    result = startFailure(error);
  }
  if (!result) throw new InternalError('agent process stream ended without its exit');
  return result;
}

/** The log's last marker of an attempt: how it ended. */
export function endMarker(result: AgentResult): string {
  return result.ok ? `ok in ${result.durationMs} ms` : `failed: ${result.error}`;
}

/** The `MILESTONE_*` variables every agent process gets, plus the request's own. */
export function agentEnv(request: AgentRequest): Record<string, string> {
  return {
    MILESTONE_ID: request.milestoneId,
    MILESTONE_TASK_ID: request.task.id,
    MILESTONE_PHASE: request.task.phase,
    MILESTONE_ATTEMPT: String(request.attempt),
    MILESTONE_WORKTREE: request.worktree,
    ...request.env,
  };
}

/** Why a process run failed for reasons outside the agent's own report, or `undefined`. */
export function stopReason(result: ProcessResult, timeoutMs: number): string | undefined {
  if (result.canceled) return 'canceled';
  if (result.timedOut) return `timed out after ${formatSeconds(timeoutMs)}`;
  if (result.signal) return `killed by ${result.signal}`;
  return undefined;
}

/** The result of a run whose program could not start (or of a task the adapter cannot run). */
export function failedBeforeStart(error: string, retryable = false): AgentResult {
  return {
    ok: false,
    exitCode: null,
    timedOut: false,
    canceled: false,
    summary: error,
    durationMs: 0,
    usage: UNKNOWN_USAGE,
    error,
    retryable,
  };
}

/** Maps a start failure to a result; anything else is a bug and is re-thrown. */
function startFailure(error: unknown): AgentResult {
  if (error instanceof ProcessStartError) return failedBeforeStart(error.message);
  throw error;
}

/** The last non-empty line of `text`, shortened to `max` characters. */
export function lastLine(text: string, max = 200): string {
  const lines = text.split('\n').map((line) => line.trim());
  const line = lines.filter((l) => l !== '').pop() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Marks where one attempt starts and ends in its log, for a human reading it later. */
export function logMarker(logFile: string, text: string): void {
  try {
    // Markers quote commands from the plan and agents' errors: the same redaction as output.
    appendLogLine(logFile, redactSecrets(`--- milestone: ${text} ---`));
  } catch {
    // Cosmetic only: an unwritable log surfaces as the run's start failure right after.
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
