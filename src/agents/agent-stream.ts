import type { Usage } from '../core/events.js';
import type { AgentEvent } from './adapter.js';
import { UNKNOWN_USAGE } from './agent-process.js';
import type { AgentLimit, FinalVerdict } from './classify-failure.js';
import type { JsonObject } from './json-line.js';
import { objectAt, parseJsonLine, stringAt } from './json-line.js';
import { oneLine } from './one-line.js';

/** What a coding agent's output stream said by the time it ended. Plain data. */
export interface StreamReport {
  /** The agent's final event: `success`, `error`, or `null` when none arrived. */
  final: FinalVerdict;
  /** Tokens and cost so far; `null` where the agent reports none (unknown, not zero). */
  usage: Usage;
  /** The agent's own session id (Claude `session_id`, Codex `thread_id`, Gemini `session_id`). */
  sessionId?: string;
  /** The agent's last message, on one line. */
  summary?: string;
  /** The agent's last message in full (its final answer). */
  output?: string;
  /** The agent's error messages, the most telling first. */
  errors: string[];
  /** HTTP statuses reported on the way (429, 529, 401, ...). */
  statuses: number[];
  /** The agent reported hitting a rate limit or overload. */
  rateLimited: boolean;
  /** The agent said its credentials were refused. */
  authFailed: boolean;
  /** The agent said its plan's usage limit is spent (a window that resets later). */
  usageLimited: boolean;
  /** The agent said billing refused the call. */
  billingFailed: boolean;
  /** When the limit opens again (epoch ms), where the stream says so. */
  resetAt?: number;
  /** A limit the agent stopped at. */
  limit?: AgentLimit;
  /** Tool uses its permission rules refused, e.g. `Bash(rm -rf build)`. */
  denials: string[];
}

/**
 * Reads one run's stdout, line by line, into engine events (progress, usage, session); keeps
 * state, so one reader serves one run. Never throws on a line it does not understand.
 */
export interface AgentStreamReader {
  read(line: string): AgentEvent[];
  report(): StreamReport;
  /**
   * Why the run cannot succeed any more, when the stream already says so (a refused key at the
   * first retry): the run is stopped at once instead of waiting out the CLI's own retries.
   */
  fatal?(): string | undefined;
}

/** Handlers of an agent's JSON lines by their `type`; each adds the events the line stands for. */
export type LineHandlers = Record<string, (line: JsonObject, events: AgentEvent[]) => void>;

/**
 * The events of one stdout line: JSON with a known `type` goes to its handler (after `every`,
 * which sees each JSON line); anything else (text, unknown types) yields nothing: it is in the log.
 */
export function readJsonLine(
  text: string,
  handlers: LineHandlers,
  every?: (line: JsonObject, events: AgentEvent[]) => void,
): AgentEvent[] {
  const line = parseJsonLine(text);
  if (!line) return [];
  const events: AgentEvent[] = [];
  every?.(line, events);
  const type = stringAt(line.type);
  if (type !== undefined && Object.hasOwn(handlers, type)) handlers[type]!(line, events);
  return events;
}

/** A report of a stream that said nothing yet. */
export function emptyReport(): StreamReport {
  return {
    final: null,
    usage: UNKNOWN_USAGE,
    errors: [],
    statuses: [],
    rateLimited: false,
    authFailed: false,
    usageLimited: false,
    billingFailed: false,
    denials: [],
  };
}

/** Whether two usages differ, so a usage event is sent only on change. */
export function usageChanged(a: Usage, b: Usage): boolean {
  return a.inputTokens !== b.inputTokens || a.outputTokens !== b.outputTokens || a.costUsd !== b.costUsd;
}

/** The first non-empty line of an agent's message, shortened: what a human wants in a progress line. */
export function firstLine(text: string, max = 160): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (line === undefined) return '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `Edit src/a.ts`, `Bash npm test`: the tool and what it works on. */
export function describeTool(name: unknown, input: unknown): string {
  const args = objectAt(input);
  const target =
    stringAt(args.file_path) ??
    stringAt(args.notebook_path) ??
    stringAt(args.command) ??
    stringAt(args.pattern) ??
    stringAt(args.description) ??
    stringAt(args.url) ??
    stringAt(args.query);
  const tool = stringAt(name) ?? 'unknown';
  return oneLine(target === undefined ? tool : `${tool} ${target}`, 160);
}
