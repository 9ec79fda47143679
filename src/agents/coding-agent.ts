import { dirname } from 'node:path';
import { appendLogLine } from '../process/log-file.js';
import { REDACTED } from '../process/redact-secrets.js';
import type { ProcessResult } from '../process/run-process.js';
import { runProcess } from '../process/run-process.js';
import { findExecutable } from '../process/which.js';
import type { AgentAdapter, AgentEvent, AgentRequest, AgentResult, ProbeResult } from './adapter.js';
import {
  attemptEvents,
  attemptProcessOptions,
  endMarker,
  failedBeforeStart,
  lastLine,
  logMarker,
  stopReason,
} from './agent-process.js';
import type { AgentStreamReader, StreamReport } from './agent-stream.js';
import type { CodingAgentKind } from './classify-failure.js';
import { classifyFailure } from './classify-failure.js';
import { describeEnv, isSecretName, redact, secretValues } from './redact.js';
import { agentPrompt } from './task-prompt.js';

/** One attempt's command line for a coding-agent CLI, as an adapter builds it. */
export interface CodingAgentCommand {
  /** The adapter's name, as config and plans use it (`claude`, `my-claude`). */
  name: string;
  /** Which CLI it is, for reading its failures. */
  kind: CodingAgentKind;
  /** The program: a name looked up on PATH, or a path (relative to `baseDir`). */
  binary: string;
  /** Arguments after the program, the prompt among them. */
  args: string[];
  /** The prompt inside `args`: the log shows it once, apart from the command line. */
  prompt: string;
  /** Environment overrides merged over `process.env`; `undefined` removes a variable. */
  env: Record<string, string | undefined>;
  /** Dangerous settings in force, logged and reported as progress before the run. */
  warnings: string[];
  /** Reads this run's stdout. */
  reader: AgentStreamReader;
  /** Where a relative `binary` path is taken from; the current directory if absent. */
  baseDir?: string;
  /** The same attempt without resuming (`request.resumeSessionId` dropped): run when resuming fails. */
  fresh?: () => CodingAgentCommand;
}

/** What one coding-agent CLI's adapter says for itself; {@link codingAgentAdapter} adds the rest. */
export interface CodingAgentCli {
  /** Which CLI it is. */
  kind: CodingAgentKind;
  /** The program: a name looked up on PATH, or a path (relative to `baseDir`). */
  binary: string;
  /** Where a relative `binary` path is taken from; the current directory if absent. */
  baseDir: string | undefined;
  /** One attempt's arguments (`prompt` among them) and the dangerous settings in force. */
  args(request: AgentRequest, prompt: string): { args: string[]; warnings: string[] };
  /** One attempt's environment overrides. */
  env(request: AgentRequest): Record<string, string | undefined>;
  /** A reader of one run's stdout. */
  reader(): AgentStreamReader;
  /** The arguments that continue a session. */
  resumeArgs(sessionId: string): string[];
  /** Whether it can run; default: installed ({@link probeCodingAgent} without a login check). */
  probe?(): Promise<ProbeResult>;
}

/**
 * The adapter of a coding-agent CLI: each attempt's command built from `cli` (the task's
 * prompt; without resuming as the fallback when resuming fails), run by {@link runCodingAgent}.
 */
export function codingAgentAdapter(name: string, cli: CodingAgentCli): AgentAdapter {
  const command = (request: AgentRequest): CodingAgentCommand => {
    const prompt = agentPrompt(request);
    const { args, warnings } = cli.args(request, prompt);
    return {
      name,
      kind: cli.kind,
      binary: cli.binary,
      args,
      prompt,
      env: cli.env(request),
      warnings,
      reader: cli.reader(),
      ...(cli.baseDir === undefined ? {} : { baseDir: cli.baseDir }),
      ...(request.resumeSessionId === undefined ? {} : { fresh: () => command(withoutResume(request)) }),
    };
  };
  return {
    name,
    probe: cli.probe ?? (() => probeCodingAgent(cli.binary, cli.baseDir)),
    run: (request, signal) => runCodingAgent(command(request), request, signal),
    resumeArgs: cli.resumeArgs,
  };
}

/** The request without its session to resume: what a fresh start gets. */
export function withoutResume(request: AgentRequest): AgentRequest {
  const { resumeSessionId: _dropped, ...rest } = request;
  return rest;
}

/** How each CLI says it does not know the session it was asked to resume (captures claude-resume-bogus, codex-resume-sdk-layout). */
const RESUME_FAILED_TEXT =
  /no conversation found|no rollout found|session[^\n]{0,60}not found|invalid session|could not find (?:a )?session|no previous session/i;

/** Time allowed for `<binary> --version` in a probe. */
const VERSION_TIMEOUT_MS = 5000;

/**
 * Runs a coding-agent CLI in the request's worktree (own process group, time limit, abort,
 * attempt log) and turns its stream into engine events, ending with exactly one `result`. A
 * request with `resumeSessionId` continues that session; if the CLI does not know it, the
 * attempt starts fresh, and the log and a progress event say so.
 */
export async function* runCodingAgent(
  command: CodingAgentCommand,
  request: AgentRequest,
  signal: AbortSignal,
): AsyncGenerator<AgentEvent> {
  const resuming = request.resumeSessionId;
  if (resuming !== undefined) {
    logMarker(request.logFile, `resuming ${command.name} session ${resuming}`);
    yield { type: 'progress', message: `resuming session ${resuming}` };
  }
  let outcome = yield* runOnce(command, request, signal);
  if (resuming !== undefined && outcome.resumeFailed && command.fresh && !signal.aborted) {
    const why = `could not resume session ${resuming} (${outcome.result.error ?? 'failed'}); starting fresh`;
    logMarker(request.logFile, why);
    yield { type: 'progress', message: why };
    outcome = yield* runOnce(command.fresh(), request, signal);
    outcome.result.resumed = false;
  } else if (resuming !== undefined) {
    outcome.result.resumed = true;
  }
  yield { type: 'result', result: outcome.result };
}

/** One run of the CLI: its events, then its result (not yielded) and whether resuming failed. */
async function* runOnce(
  command: CodingAgentCommand,
  request: AgentRequest,
  signal: AbortSignal,
): AsyncGenerator<AgentEvent, { result: AgentResult; resumeFailed: boolean }> {
  const secrets = secretValues(process.env, command.env);
  const file = findExecutable(command.binary, {
    pathEnv: command.env.PATH ?? process.env.PATH,
    cwd: command.baseDir ?? process.cwd(),
  });
  logMarker(
    request.logFile,
    redact(
      `${command.name} agent, task ${request.task.id}, attempt ${request.attempt}: ${commandLine(command)}`,
      secrets,
    ),
  );
  if (file === null) {
    const result = failedBeforeStart(notFound(command.binary));
    logMarker(request.logFile, endMarker(result));
    return { result, resumeFailed: false };
  }
  writeRunPreamble(command, request.logFile, secrets);
  for (const warning of command.warnings) yield { type: 'progress', message: `warning: ${warning}` };

  // Stopped by milestone because the stream already says no retry can help (a refused key).
  const early = new AbortController();
  let resumeFailed = false;
  const result = yield* attemptEvents(
    { file, args: command.args, env: command.env, ...attemptProcessOptions(request) },
    AbortSignal.any([signal, early.signal]),
    function* (line) {
      yield* command.reader.read(line);
      const fatal = early.signal.aborted ? undefined : command.reader.fatal?.();
      if (fatal !== undefined && !signal.aborted) {
        logMarker(request.logFile, `stopping ${command.name} at once: ${fatal}`);
        yield { type: 'progress', message: `stopping at once: ${fatal}` };
        early.abort();
      }
    },
    (run) => {
      const report = command.reader.report();
      const stoppedEarly = early.signal.aborted && !signal.aborted;
      const result = codingAgentResult(command.kind, run, report, request.timeoutMs, { stoppedEarly });
      resumeFailed =
        request.resumeSessionId !== undefined &&
        !result.ok &&
        !result.canceled &&
        RESUME_FAILED_TEXT.test([...report.errors, run.stderrTail].join('\n'));
      return result;
    },
  );
  logMarker(request.logFile, redact(endMarker(result), secrets));
  return { result, resumeFailed };
}

/**
 * The run's result from the process's end and the stream's report: a stop (timeout, abort,
 * signal) wins; otherwise {@link classifyFailure} reads every channel.
 */
export function codingAgentResult(
  kind: CodingAgentKind,
  run: ProcessResult,
  report: StreamReport,
  timeoutMs: number,
  options: { stoppedEarly?: boolean; now?: number } = {},
): AgentResult {
  // Stopped by milestone on a fatal sign in the stream: classified by what the stream said.
  const stopped = options.stoppedEarly ? undefined : stopReason(run, timeoutMs);
  const verdict = stopped
    ? undefined
    : classifyFailure({
        agent: kind,
        exitCode: options.stoppedEarly ? null : run.exitCode,
        final: report.final,
        errors: report.errors,
        statuses: report.statuses,
        rateLimited: report.rateLimited,
        authFailed: report.authFailed,
        usageLimited: report.usageLimited,
        billingFailed: report.billingFailed,
        stderrTail: run.stderrTail,
        ...(report.resetAt === undefined ? {} : { resetAt: report.resetAt }),
        ...(report.limit === undefined ? {} : { limit: report.limit }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
  const ok = verdict?.ok === true;
  const denied = report.denials.length > 0 ? `permission denied: ${report.denials.join(', ')}` : '';
  let error = stopped ?? (verdict && !verdict.ok ? verdict.error : undefined);
  if (error !== undefined && denied) error = `${error}; ${denied}`;
  const summary = report.summary ?? error ?? (ok ? 'done' : 'failed');
  return {
    ok,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    // Stopped early by milestone itself: a failure of the agent, not a person's cancellation.
    canceled: run.canceled && !options.stoppedEarly,
    summary: denied && !summary.includes(denied) ? `${summary} (${denied})` : summary,
    durationMs: run.durationMs,
    usage: report.usage,
    ...(report.sessionId === undefined ? {} : { sessionId: report.sessionId }),
    ...(error === undefined ? {} : { error }),
    ...(report.output === undefined ? {} : { output: report.output }),
    // A timeout may go better next time; a cancellation was a person's decision.
    retryable: stopped ? !run.canceled : verdict !== undefined && !verdict.ok && verdict.retryable,
    ...(verdict && !verdict.ok ? { failureKind: verdict.kind } : {}),
    ...(verdict && !verdict.ok && verdict.retryAt !== undefined ? { retryAt: verdict.retryAt } : {}),
  };
}

/** How a CLI tells, cheaply and without side effects, whether it is logged in. */
export interface LoginCheck {
  /** Arguments of the status command, e.g. `["auth", "status"]`. */
  args: string[];
  /** Logged in, logged out, or `undefined` when the output does not say. */
  read(stdout: string): boolean | undefined;
  /** Variables that authenticate without a login (an API key): when one is set, the check is skipped. */
  envKeys: string[];
  /** How a person logs in, for the reason. */
  hint: string;
}

/**
 * Whether a coding-agent CLI is installed (found on PATH, with its `--version` output as the
 * version) and, where it can tell cheaply, logged in (`claude auth status`). An agent that is
 * not logged in and has no API key in its environment is not available.
 */
export async function probeCodingAgent(
  binary: string,
  baseDir?: string,
  login?: LoginCheck,
  env: Record<string, string | undefined> = {},
): Promise<ProbeResult> {
  const file = findExecutable(binary, { pathEnv: process.env.PATH, cwd: baseDir ?? process.cwd() });
  if (file === null) return { available: false, reason: notFound(binary) };
  let version = '';
  try {
    const run = await runProcess({
      file,
      args: ['--version'],
      cwd: dirname(file),
      timeoutMs: VERSION_TIMEOUT_MS,
      graceMs: 500,
    });
    version = run.exitCode === 0 ? lastLine(run.stdoutTail) : '';
  } catch {
    // Found and executable but it would not start now: the run will say why, with its log.
    return { available: true };
  }
  const found: ProbeResult = version ? { available: true, version } : { available: true };
  const merged = { ...process.env, ...env };
  if (!login || login.envKeys.some((key) => (merged[key] ?? '') !== '')) return found;
  const loggedIn = await checkLogin(file, login, env);
  if (loggedIn === undefined) return found;
  if (loggedIn) return { ...found, loggedIn };
  return { ...found, available: false, loggedIn, reason: `${binary} is not logged in (${login.hint})` };
}

async function checkLogin(
  file: string,
  login: LoginCheck,
  env: Record<string, string | undefined>,
): Promise<boolean | undefined> {
  try {
    const run = await runProcess({
      file,
      args: login.args,
      cwd: dirname(file),
      env,
      timeoutMs: VERSION_TIMEOUT_MS,
      graceMs: 500,
    });
    // `claude auth status` exits 1 when logged out, with the same JSON (capture claude-auth-status).
    return run.timedOut ? undefined : login.read(run.stdoutTail);
  } catch {
    return undefined;
  }
}

function notFound(binary: string): string {
  return binary.includes('/')
    ? `binary \`${binary}\` is missing or not executable`
    : `binary \`${binary}\` not found on PATH`;
}

/** The command line for the log, the prompt replaced by its length (it is logged once, below). */
function commandLine(command: CodingAgentCommand): string {
  const args = command.args.map((arg, i) => {
    if (arg === command.prompt) return `<prompt: ${command.prompt.length} chars>`;
    // `--api-key sk-...` in extraArgs: the value after a secret-named option stays out of the log.
    const previous = command.args[i - 1];
    if (previous?.startsWith('-') && isSecretName(previous)) return REDACTED;
    const [option, value] = arg.split('=', 2);
    if (value !== undefined && option?.startsWith('-') && isSecretName(option))
      return `${option}=${REDACTED}`;
    return quote(arg);
  });
  return [command.binary, ...args].join(' ');
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Environment, warnings and prompt, so the log alone explains the run. */
function writeRunPreamble(command: CodingAgentCommand, logFile: string, secrets: string[]): void {
  try {
    const env = describeEnv(command.env);
    if (env) appendLogLine(logFile, redact(`--- milestone: env ${env} ---`, secrets));
    for (const warning of command.warnings) appendLogLine(logFile, `--- milestone: WARNING: ${warning} ---`);
    appendLogLine(logFile, '--- milestone: prompt ---');
    appendLogLine(logFile, redact(command.prompt, secrets));
    appendLogLine(logFile, '--- milestone: end of prompt ---');
  } catch {
    // An unwritable log surfaces as the run's start failure right after.
  }
}
