import { oneLine } from './agent-process.js';

/** The coding-agent CLIs whose failures {@link classifyFailure} knows how to read. */
export type CodingAgentKind = 'claude' | 'codex' | 'gemini';

/** What the agent's own final event said: `null` when none arrived. */
export type FinalVerdict = 'success' | 'error' | null;

/** A limit the agent itself reported stopping at. */
export type AgentLimit = 'max_turns' | 'max_budget';

/** Everything a run told us about how it ended, from every channel. Plain data. */
export interface FailureInput {
  agent: CodingAgentKind;
  /** The process's exit code; `null` when killed by a signal. */
  exitCode: number | null;
  /** The agent's final event (`result`, `turn.completed`/`turn.failed`). */
  final: FinalVerdict;
  /** The agent's own error messages, the most telling first (final event, then error events). */
  errors: string[];
  /** HTTP statuses the agent reported on the way (Claude `api_retry`, `api_error_status`). */
  statuses: number[];
  /** The agent said it hit a rate limit or overload (Claude `rate_limit_event` rejected, `api_retry` 429/529). */
  rateLimited: boolean;
  /** The agent said its credentials were refused (Claude `authentication_failed`). */
  authFailed: boolean;
  /** A limit the agent reported stopping at (Claude `error_max_turns`, `error_max_budget_usd`). */
  limit?: AgentLimit;
  /** The end of stderr, searched for the same signs as `errors`. */
  stderrTail?: string;
}

/** Why a run failed, as the engine acts on it. */
export type FailureKind = 'auth' | 'rate_limit' | 'max_turns' | 'max_budget' | 'config' | 'crash' | 'error';

/** How a run ended: `ok`, or failed with a kind, a one-line error and whether a retry may help. */
export type FailureVerdict =
  | { ok: true }
  | { ok: false; kind: FailureKind; retryable: boolean; error: string };

/** Exit codes with a documented meaning (Gemini CLI headless mode; 55 = untrusted folder). */
const EXIT_CODES: Record<CodingAgentKind, Partial<Record<number, FailureKind>>> = {
  claude: {},
  codex: {},
  gemini: { 41: 'auth', 42: 'config', 52: 'config', 53: 'max_turns', 55: 'config' },
};

/** How a person fixes an authentication failure of each agent. */
const LOGIN_HINT: Record<CodingAgentKind, string> = {
  claude: 'run `claude` and /login, or set ANTHROPIC_API_KEY',
  codex: 'run `codex login`, or set OPENAI_API_KEY',
  gemini: 'run `gemini` once to sign in, or set GEMINI_API_KEY',
};

const AUTH_TEXT =
  /invalid api key|invalid x-api-key|please run \/login|not logged in|\b401\b|unauthori[sz]ed|authentication[_ ](?:failed|error|required)|oauth token (?:has )?expired|api key not valid|login required/i;
const RATE_LIMIT_TEXT =
  /\b(?:429|529)\b|rate[ _-]?limit|overloaded|too many requests|resource[ _]exhausted|quota|usage limit|session limit/i;

const RETRYABLE: Record<FailureKind, boolean> = {
  auth: false,
  rate_limit: true,
  // Another attempt with the same limit most likely stops at the same place.
  max_turns: false,
  max_budget: false,
  config: false,
  crash: true,
  error: true,
};

/**
 * Decides whether a run failed and why, trusting no single channel: it failed if the exit code
 * is not 0, or the final event says error, or no final event arrived. Authentication problems
 * are never retryable (the engine must stop and say so); rate limits and crashes are.
 */
export function classifyFailure(input: FailureInput): FailureVerdict {
  if (input.exitCode === 0 && input.final === 'success') return { ok: true };
  const kind = failureKind(input);
  return { ok: false, kind, retryable: RETRYABLE[kind], error: describe(kind, input) };
}

function failureKind(input: FailureInput): FailureKind {
  const text = [...input.errors, input.stderrTail ?? ''].join('\n');
  const byExit = input.exitCode === null ? undefined : EXIT_CODES[input.agent][input.exitCode];
  if (input.authFailed || byExit === 'auth' || input.statuses.includes(401) || AUTH_TEXT.test(text)) {
    return 'auth';
  }
  if (input.limit) return input.limit;
  if (byExit === 'max_turns') return 'max_turns';
  if (input.rateLimited || input.statuses.some((s) => s === 429 || s === 529) || RATE_LIMIT_TEXT.test(text)) {
    return 'rate_limit';
  }
  if (byExit) return byExit;
  return input.final === null ? 'crash' : 'error';
}

function describe(kind: FailureKind, input: FailureInput): string {
  const { agent } = input;
  const stderr = stderrDetail(input.stderrTail ?? '');
  const detail = oneLine(input.errors.find((e) => e.trim() !== '') ?? stderr, 300);
  const suffix = detail ? `: ${detail}` : '';
  const exit = input.exitCode === null ? 'was killed' : `exited with code ${input.exitCode}`;
  switch (kind) {
    case 'auth':
      return `authentication: ${agent} could not authenticate (${LOGIN_HINT[agent]})${suffix}`;
    case 'rate_limit':
      return `rate limited or overloaded, retry later: ${agent} ${exit}${suffix}`;
    case 'max_turns':
      return `max turns reached: ${agent} stopped at its turn limit${suffix}`;
    case 'max_budget':
      return `budget reached: ${agent} stopped at its cost limit${suffix}`;
    case 'config':
      return `configuration: ${agent} ${exit}${suffix}`;
    case 'crash':
      return `${agent} ${exit} without a final result${suffix}`;
    case 'error':
      return input.final === 'success'
        ? `${agent} reported success but ${exit}${suffix}`
        : `${agent} reported an error${suffix}`;
  }
}

/** The stderr line that best says what went wrong: the last error-like line that is no stack frame. */
export function stderrDetail(tail: string): string {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const telling = lines.filter(
    (l) => !l.startsWith('at ') && /error|panic|fatal|failed|denied|invalid/i.test(l),
  );
  return telling.at(-1) ?? lines.at(-1) ?? '';
}
