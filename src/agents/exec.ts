import { isAbsolute, resolve } from 'node:path';
import type { Usage } from '../core/events.js';
import { InternalError } from '../errors.js';
import type { ProcessResult } from '../process/run-process.js';
import { findExecutable } from '../process/which.js';
import type { AgentAdapter, AgentEvent, AgentRequest, AgentResult, ProbeResult } from './adapter.js';
import {
  agentEnv,
  attemptEvents,
  attemptProcessOptions,
  endMarker,
  logMarker,
  stopReason,
  UNKNOWN_USAGE,
} from './agent-process.js';
import type { ExecEvent } from './exec-protocol.js';
import { addUsageEvent, execAgentInput, parseExecLine } from './exec-protocol.js';
import { oneLine } from './one-line.js';

/** How to run an `exec` agent: any program that speaks the exec protocol. */
export interface ExecAdapterOptions {
  /** The agent's name, as plans and config use it. */
  name: string;
  /** Program and arguments, e.g. `["node", "scripts/agent.mjs"]`. */
  command: string[];
  /** Extra environment for the program. */
  env?: Record<string, string>;
  /** Resolves a relative program path such as `./agent.sh` (normally the repository root). */
  baseDir?: string;
}

/** What one run has heard from its agent so far. */
interface ExecRunState {
  usage: Usage;
  sessionId?: string;
  reported?: Extract<ExecEvent, { type: 'result' }>;
  /** The last malformed event line, to explain a missing result. */
  lastProblem?: string;
}

/**
 * An agent that is a program: started in the worktree with the request as JSON on stdin, it
 * prints NDJSON events and last a `result`. Success needs exit code 0 and `ok: true` both.
 */
export function createExecAdapter(options: ExecAdapterOptions): AgentAdapter {
  const [program, ...args] = options.command;
  if (program === undefined || program === '') {
    throw new InternalError(`exec agent ${options.name}: command must name a program`);
  }
  // A bare name is looked up on PATH at spawn time; a relative path is pinned to baseDir now.
  const file =
    program.includes('/') && !isAbsolute(program) && options.baseDir !== undefined
      ? resolve(options.baseDir, program)
      : program;
  return {
    name: options.name,
    probe: async (): Promise<ProbeResult> => {
      const found = findExecutable(file, {
        pathEnv: process.env.PATH,
        cwd: options.baseDir ?? process.cwd(),
      });
      if (found) return { available: true };
      const where = file.includes('/') ? `${file} is missing or not executable` : `${file} not found on PATH`;
      return { available: false, reason: `${options.name}: ${where}` };
    },
    run: (request, signal) => runExec(options, [file, ...args], request, signal),
  };
}

async function* runExec(
  options: ExecAdapterOptions,
  [file = '', ...args]: string[],
  request: AgentRequest,
  signal: AbortSignal,
): AsyncGenerator<AgentEvent> {
  logMarker(
    request.logFile,
    `${options.name} agent, task ${request.task.id}, attempt ${request.attempt}: ${[file, ...args].join(' ')}`,
  );
  const state: ExecRunState = { usage: UNKNOWN_USAGE };
  const result = yield* attemptEvents(
    {
      file,
      args,
      env: { ...options.env, ...agentEnv(request) },
      input: `${JSON.stringify(execAgentInput(request))}\n`,
      ...attemptProcessOptions(request),
    },
    signal,
    (line) => readLine(line, state),
    (run) => execResult(options.name, run, state, request.timeoutMs),
  );
  logMarker(request.logFile, endMarker(result));
  yield { type: 'result', result };
}

/** Turns one stdout line into the events it stands for, updating the run's state. */
function* readLine(text: string, state: ExecRunState): Generator<AgentEvent> {
  const line = parseExecLine(text);
  if (line.kind === 'text') {
    if (line.text !== '') yield { type: 'progress', message: line.text };
    return;
  }
  if (line.kind === 'invalid') {
    state.lastProblem = line.problem;
    yield { type: 'progress', message: `ignored malformed ${line.problem}` };
    return;
  }
  if (line.kind === 'unknown') return;
  const { event } = line;
  if (event.type === 'progress') {
    yield { type: 'progress', message: event.message };
  } else if (event.type === 'usage') {
    state.usage = addUsageEvent(state.usage, event);
    yield { type: 'usage', usage: state.usage };
  } else if (event.type === 'session') {
    state.sessionId = event.sessionId;
    yield { type: 'session', sessionId: event.sessionId };
  } else {
    // The last result line wins: the protocol says it comes last.
    state.reported = event;
  }
}

/**
 * The line of a crashed program's stderr that says what went wrong: the last one that starts like
 * an error (`Error: Cannot find module ...`, Python's `FileNotFoundError: ...`, `fatal: ...`),
 * else the last line. Node prints the error's fields and `Node.js v20.x` after the error itself.
 */
function crashLine(stderrTail: string, max = 200): string {
  const lines = stderrTail
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const line =
    lines.filter((l) => /^(?:[A-Za-z]*Error|error|fatal|panic)\b/.test(l)).pop() ?? lines.pop() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Success needs a clean exit and the agent's own `ok: true`; each other case says why not. */
function execResult(name: string, run: ProcessResult, state: ExecRunState, timeoutMs: number): AgentResult {
  const { reported } = state;
  let error = stopReason(run, timeoutMs);
  if (error === undefined && !reported) {
    const how = run.exitCode === 0 ? 'exited 0' : `exited with code ${run.exitCode}`;
    const stderr = crashLine(run.stderrTail);
    const detail = state.lastProblem
      ? ` (ignored malformed ${state.lastProblem})`
      : stderr
        ? `: ${stderr}`
        : '';
    error = `${name} ${how} without a result line${detail}`;
  } else if (error === undefined && reported && !reported.ok) {
    error = reported.error ?? reported.summary ?? `${name} reported failure`;
  } else if (error === undefined && run.exitCode !== 0) {
    error = `${name} reported ok but exited with code ${run.exitCode}`;
  }
  const ok = error === undefined;
  return {
    ok,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    canceled: run.canceled,
    summary: reported?.summary ?? error ?? 'done',
    durationMs: run.durationMs,
    usage: state.usage,
    ...(state.sessionId === undefined ? {} : { sessionId: state.sessionId }),
    ...(error === undefined ? {} : { error: oneLine(error) }),
    ...(reported?.output !== undefined
      ? { output: reported.output }
      : reported?.summary !== undefined
        ? { output: reported.summary }
        : {}),
    // The agent knows best (auth error vs. overload); otherwise only a cancellation is final.
    retryable: !ok && !run.canceled && (reported?.retryable ?? true),
  };
}
