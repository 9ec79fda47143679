import { dirname } from 'node:path';
import { InternalError } from '../errors.js';
import { appendLogLine } from '../process/log-file.js';
import type { ProcessResult } from '../process/run-process.js';
import { runProcess } from '../process/run-process.js';
import { findExecutable } from '../process/which.js';
import type { AgentEvent, AgentRequest, AgentResult, ProbeResult } from './adapter.js';
import {
  attemptProcessOptions,
  failedBeforeStart,
  lastLine,
  logMarker,
  startFailure,
  stopReason,
  streamProcess,
} from './agent-process.js';
import type { AgentStreamReader, StreamReport } from './agent-stream.js';
import type { CodingAgentKind } from './classify-failure.js';
import { classifyFailure } from './classify-failure.js';
import { describeEnv, isSecretName, redact, secretValues } from './redact.js';

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
}

/** Time allowed for `<binary> --version` in a probe. */
const VERSION_TIMEOUT_MS = 5000;

/**
 * Runs a coding-agent CLI in the request's worktree (own process group, time limit, abort,
 * attempt log) and turns its stream into engine events, ending with exactly one `result`.
 */
export async function* runCodingAgent(
  command: CodingAgentCommand,
  request: AgentRequest,
  signal: AbortSignal,
): AsyncGenerator<AgentEvent> {
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
    logMarker(request.logFile, `failed: ${result.error}`);
    yield { type: 'result', result };
    return;
  }
  writeRunPreamble(command, request.logFile, secrets);
  for (const warning of command.warnings) yield { type: 'progress', message: `warning: ${warning}` };

  let result: AgentResult | undefined;
  try {
    const stream = streamProcess(
      {
        file,
        args: command.args,
        env: command.env,
        ...attemptProcessOptions(request),
      },
      signal,
    );
    for await (const item of stream) {
      if (item.kind === 'started') yield { type: 'started', pid: item.pid };
      else if (item.kind === 'line') yield* command.reader.read(item.line);
      else result = codingAgentResult(command.kind, item.result, command.reader.report(), request.timeoutMs);
    }
  } catch (error) {
    result = startFailure(error);
  }
  if (!result) throw new InternalError('agent process stream ended without its exit');
  logMarker(
    request.logFile,
    redact(result.ok ? `ok in ${result.durationMs} ms` : `failed: ${result.error}`, secrets),
  );
  yield { type: 'result', result };
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
): AgentResult {
  const stopped = stopReason(run, timeoutMs);
  const verdict = stopped
    ? undefined
    : classifyFailure({
        agent: kind,
        exitCode: run.exitCode,
        final: report.final,
        errors: report.errors,
        statuses: report.statuses,
        rateLimited: report.rateLimited,
        authFailed: report.authFailed,
        stderrTail: run.stderrTail,
        ...(report.limit === undefined ? {} : { limit: report.limit }),
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
    canceled: run.canceled,
    summary: denied && !summary.includes(denied) ? `${summary} (${denied})` : summary,
    durationMs: run.durationMs,
    usage: report.usage,
    ...(report.sessionId === undefined ? {} : { sessionId: report.sessionId }),
    ...(error === undefined ? {} : { error }),
    ...(report.output === undefined ? {} : { output: report.output }),
    // A timeout may go better next time; a cancellation was a person's decision.
    retryable: stopped ? !run.canceled : verdict !== undefined && !verdict.ok && verdict.retryable,
  };
}

/**
 * Whether a coding-agent CLI is installed: found on PATH, with its `--version` output as the
 * version. Logged-in state is not checked: not every CLI can tell cheaply (see docs/agents.md).
 */
export async function probeCodingAgent(binary: string, baseDir?: string): Promise<ProbeResult> {
  const file = findExecutable(binary, { pathEnv: process.env.PATH, cwd: baseDir ?? process.cwd() });
  if (file === null) return { available: false, reason: notFound(binary) };
  try {
    const run = await runProcess({
      file,
      args: ['--version'],
      cwd: dirname(file),
      timeoutMs: VERSION_TIMEOUT_MS,
      graceMs: 500,
    });
    const version = run.exitCode === 0 ? lastLine(run.stdoutTail) : '';
    return version ? { available: true, version } : { available: true };
  } catch {
    // Found and executable but it would not start now: the run will say why, with its log.
    return { available: true };
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
    if (previous?.startsWith('-') && isSecretName(previous)) return '***';
    const [option, value] = arg.split('=', 2);
    if (value !== undefined && option?.startsWith('-') && isSecretName(option)) return `${option}=***`;
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
