import type { ProcessResult } from '../process/run-process.js';
import type { AgentAdapter, AgentEvent, AgentRequest, AgentResult, ProbeResult } from './adapter.js';
import {
  agentEnv,
  attemptEvents,
  attemptProcessOptions,
  endMarker,
  failedBeforeStart,
  lastLine,
  logMarker,
  stopReason,
  UNKNOWN_USAGE,
} from './agent-process.js';

/**
 * The built-in `shell` agent: runs the task's `run` command with `/bin/sh -c` in the worktree.
 * Needs no API key, so demos and tests work offline. Success is exit code 0.
 */
export function createShellAdapter(name = 'shell'): AgentAdapter {
  return {
    name,
    // /bin/sh is part of every POSIX system milestone supports.
    probe: async (): Promise<ProbeResult> => ({ available: true }),
    run: (request, signal) => runShell(name, request, signal),
  };
}

async function* runShell(
  name: string,
  request: AgentRequest,
  signal: AbortSignal,
): AsyncGenerator<AgentEvent> {
  const command = request.task.run;
  if (command === undefined || command.trim() === '') {
    const error = `task ${request.task.id} has no run command; the ${name} agent needs one`;
    yield { type: 'result', result: failedBeforeStart(error) };
    return;
  }
  logMarker(
    request.logFile,
    `${name} agent, task ${request.task.id}, attempt ${request.attempt}: ${command}`,
  );
  const result = yield* attemptEvents(
    { file: command, args: [], shell: true, env: agentEnv(request), ...attemptProcessOptions(request) },
    signal,
    (line) => (line.trim() === '' ? [] : [{ type: 'progress', message: line }]),
    (run) => shellResult(run, request.timeoutMs),
  );
  logMarker(request.logFile, endMarker(result));
  yield { type: 'result', result };
}

function shellResult(run: ProcessResult, timeoutMs: number): AgentResult {
  const stopped = stopReason(run, timeoutMs);
  const ok = stopped === undefined && run.exitCode === 0;
  const stderr = lastLine(run.stderrTail);
  const error = ok
    ? undefined
    : (stopped ?? `exited with code ${run.exitCode}${stderr ? `: ${stderr}` : ''}`);
  return {
    ok,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    canceled: run.canceled,
    summary: lastLine(run.stdoutTail) || (error ?? 'done'),
    durationMs: run.durationMs,
    usage: UNKNOWN_USAGE,
    ...(error === undefined ? {} : { error }),
    // The user's `retries` decide for a command; only a cancellation makes retrying pointless.
    retryable: !ok && !run.canceled,
  };
}
