import { oneLine } from './one-line.js';
import { parseResetTime } from './reset-time.js';

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
  /** The agent said its plan's usage limit is spent (Claude `rate_limit_event` rejected for a window). */
  usageLimited?: boolean;
  /** The agent said billing refused the call (Claude `billing_error`). */
  billingFailed?: boolean;
  /** When the limit opens again, epoch ms, as the stream said it (Claude `resetsAt`). */
  resetAt?: number;
  /** A limit the agent reported stopping at (Claude `error_max_turns`, `error_max_budget_usd`). */
  limit?: AgentLimit;
  /** The end of stderr, searched for the same signs as `errors`. */
  stderrTail?: string;
  /** The time to read relative reset times against ("try again in 2 hours"); epoch ms. */
  now?: number;
}

/**
 * Why a run failed, as the engine acts on it. `usage_limit`: the plan's quota is spent until a
 * reset time (park the task); `billing`: the account cannot pay; `config`: the command line,
 * folder or model is wrong (no retry can help).
 */
export type FailureKind =
  | 'auth'
  | 'billing'
  | 'usage_limit'
  | 'rate_limit'
  | 'max_turns'
  | 'max_budget'
  | 'config'
  | 'crash'
  | 'error';

/** How a run ended: `ok`, or failed with a kind, a one-line error and whether a retry may help. */
export type FailureVerdict =
  | { ok: true }
  | { ok: false; kind: FailureKind; retryable: boolean; error: string; retryAt?: number };

/**
 * Exit codes with a documented meaning. Gemini CLI: 41 auth, 42 input, 44 sandbox, 52 config,
 * 53 turn limit, 54 fatal tool error, 55 untrusted folder; an API error exits with its HTTP
 * status mod 256 (400 -> 144 ... 429 -> 173, capture gemini-badkey). Claude Code and Codex exit
 * 1 for everything (Codex 2 for a usage error of its argument parser).
 */
const EXIT_CODES: Record<CodingAgentKind, Partial<Record<number, FailureKind>>> = {
  claude: {},
  codex: { 2: 'config' },
  gemini: {
    41: 'auth',
    42: 'config',
    44: 'config',
    52: 'config',
    53: 'max_turns',
    54: 'error',
    55: 'config',
  },
};

/** The HTTP status behind a Gemini exit code 144-173, if it is one. */
export function geminiHttpStatus(exitCode: number | null): number | undefined {
  return exitCode !== null && exitCode >= 144 && exitCode <= 173 ? exitCode + 256 : undefined;
}

/** How a person fixes an authentication failure of each agent. */
const LOGIN_HINT: Record<CodingAgentKind, string> = {
  claude: 'run `claude` and /login, or set ANTHROPIC_API_KEY',
  codex: 'run `codex login`, or set OPENAI_API_KEY',
  gemini: 'run `gemini` once to sign in, or set GEMINI_API_KEY',
};

const AUTH_TEXT =
  /invalid api key|invalid x-api-key|incorrect api key|please run \/login|not logged in|\b401\b|unauthori[sz]ed|authentication[_ ](?:failed|error|required)|oauth token (?:has )?expired|api key not valid|api_key_invalid|login required|please set an auth method/i;
const BILLING_TEXT =
  /credit balance is too low|billing[_ ]error|insufficient_quota|payment required|\b402\b|billing (?:details|account)|account is (?:not active|suspended|disabled)/i;
const USAGE_LIMIT_TEXT =
  /usage limit|limit reached\||hit your (?:usage )?limit|(?:5-hour|five_hour|weekly|seven_day|daily) limit|exhausted your (?:daily )?quota|quota exceeded for/i;
const RATE_LIMIT_TEXT =
  /\b(?:429|529)\b|rate[ _-]?limit|overloaded|too many requests|resource[ _]exhausted|quota|session limit/i;
/** Startup and usage errors of the CLIs themselves (captures claude-unknown-flag, -no-verbose, -skip, codex-nogit, ...). */
const CONFIG_TEXT =
  /unknown option|unexpected argument|requires --verbose|cannot be used with root|argument '[^']*' is invalid|not inside a trusted directory|not running in a trusted directory|model_not_found|model[^\n]{0,80}(?:does not exist|not found|is not supported)|invalid model|unrecognized (?:option|argument)/i;

const RETRYABLE: Record<FailureKind, boolean> = {
  auth: false,
  billing: false,
  // After the reset time, the same request goes through: the engine parks the task until then.
  usage_limit: true,
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
 * is not 0, or the final event says error, or no final event arrived. Authentication, billing
 * and configuration problems are never retryable (the engine must stop and say so); rate
 * limits, usage limits (after their reset) and crashes are.
 */
export function classifyFailure(input: FailureInput): FailureVerdict {
  if (input.exitCode === 0 && input.final === 'success') return { ok: true };
  const kind = failureKind(input);
  const verdict: FailureVerdict = {
    ok: false,
    kind,
    retryable: RETRYABLE[kind],
    error: describe(kind, input),
  };
  if (kind === 'usage_limit' || kind === 'rate_limit') {
    const retryAt = input.resetAt ?? parseResetTime(allText(input), input.now ?? Date.now());
    if (retryAt !== undefined) verdict.retryAt = retryAt;
  }
  return verdict;
}

function allText(input: FailureInput): string {
  return stripAnsi([...input.errors, input.stderrTail ?? ''].join('\n'));
}

function failureKind(input: FailureInput): FailureKind {
  const text = allText(input);
  const byExit = input.exitCode === null ? undefined : EXIT_CODES[input.agent][input.exitCode];
  const statuses =
    input.agent === 'gemini' && geminiHttpStatus(input.exitCode) !== undefined
      ? [...input.statuses, geminiHttpStatus(input.exitCode)!]
      : input.statuses;
  if (
    input.authFailed ||
    byExit === 'auth' ||
    statuses.includes(401) ||
    statuses.includes(403) ||
    AUTH_TEXT.test(text)
  ) {
    return 'auth';
  }
  if (input.billingFailed || statuses.includes(402) || BILLING_TEXT.test(text)) return 'billing';
  if (input.limit) return input.limit;
  if (byExit === 'max_turns') return 'max_turns';
  if (input.usageLimited || USAGE_LIMIT_TEXT.test(text)) return 'usage_limit';
  if (input.rateLimited || statuses.some((s) => s === 429 || s === 529) || RATE_LIMIT_TEXT.test(text)) {
    return 'rate_limit';
  }
  if (byExit) return byExit;
  if (CONFIG_TEXT.test(text) || statuses.includes(400) || statuses.includes(404)) return 'config';
  return input.final === null ? 'crash' : 'error';
}

function describe(kind: FailureKind, input: FailureInput): string {
  const { agent } = input;
  const stderr = stderrDetail(input.stderrTail ?? '');
  // For an auth failure, the message that says so (Codex's first notices are WebSocket 404s).
  const telling = kind === 'auth' ? input.errors.find((e) => AUTH_TEXT.test(stripAnsi(e))) : undefined;
  const detail = oneLine(stripAnsi(telling ?? input.errors.find((e) => e.trim() !== '') ?? stderr), 300);
  const suffix = detail ? `: ${detail}` : '';
  const exit = input.exitCode === null ? 'was killed' : `exited with code ${input.exitCode}`;
  switch (kind) {
    case 'auth':
      return `authentication: ${agent} could not authenticate (${LOGIN_HINT[agent]})${suffix}`;
    case 'billing':
      return `billing: ${agent}'s account cannot pay for the call${suffix}`;
    case 'usage_limit':
      return `usage limit reached: ${agent} ${exit}${suffix}`;
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

/** Terminal colour and cursor codes removed (Gemini colours its errors red: capture gemini-untrusted-withkey). */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

/** The stderr line that best says what went wrong: the last error-like line that is no stack frame. */
export function stderrDetail(tail: string): string {
  const lines = stripAnsi(tail)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const telling = lines.filter(
    (l) =>
      !l.startsWith('at ') &&
      !/^warning\b/i.test(l) &&
      /error|panic|fatal|failed|denied|invalid|not inside|not running|cannot|unknown|unexpected|requires|please set/i.test(
        l,
      ),
  );
  return telling.at(-1) ?? lines.at(-1) ?? '';
}
