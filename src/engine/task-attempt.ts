import type { AgentAdapter, AgentEvent } from '../agents/adapter.js';
import type { FailureKind } from '../agents/classify-failure.js';
import type { Usage } from '../core/events.js';
import type { TaskSpec } from '../core/types.js';
import { gitExec, identityArgs, revParse } from '../git/git.js';
import { runProcess } from '../process/run-process.js';
import { trailerBlock } from './landing.js';
import { TRAILER } from './naming.js';

/** Everything one attempt of one task needs. */
export interface AttemptRequest {
  milestoneId: string;
  task: TaskSpec;
  /** The plan's default verify command when the task has none. */
  verify: string | undefined;
  timeoutMs: number;
  graceMs: number;
  attempt: number;
  worktree: string;
  logFile: string;
  adapter: AgentAdapter;
  signal: AbortSignal;
  /** Passed to agents that enforce a spending cap themselves (Claude `--max-budget-usd`). */
  maxBudgetUsd?: number;
  /** Agent events as they arrive (progress, usage, the process id). */
  onAgentEvent: (event: AgentEvent) => void;
  /** Continue this agent session instead of starting from zero (see `AgentRequest.resumeSessionId`). */
  resumeSessionId?: string;
  /**
   * Runs right after the agent, before verify and commit: a reason to fail the attempt (the
   * agent left its worktree: stray branches, worktrees, commits), or `null`.
   */
  afterAgent?: () => Promise<string | null>;
}

/** How an attempt ended; failures are values in the same shape as a success. */
export interface AttemptOutcome {
  ok: boolean;
  /** One line: why it failed. */
  reason: string | null;
  /** Data, not a class: may another attempt help? */
  retryable: boolean;
  timedOut: boolean;
  canceled: boolean;
  usage: Usage;
  /** The task's commit in its worktree (always made on success, empty if nothing changed). */
  commit: string | null;
  /** A failure that must stop more than this task: its budget ran out, or the agent cannot log in. */
  stop?: 'budget' | 'auth';
  /** Why the agent failed, as data (`sandbox`: it changed the repository outside its task branch). */
  failureKind?: FailureKind | 'sandbox';
  /** When the agent's quota opens again (epoch ms), if it said. */
  retryAt?: number;
  durationMs: number;
}

const UNKNOWN_USAGE: Usage = { inputTokens: null, outputTokens: null, costUsd: null };

/**
 * Runs the agent in the worktree, then the verify command, then commits whatever changed with
 * the `Milestone-Id` / `Task-Id` trailers. Success comes from exit codes, never from a claim.
 */
export async function runAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { task } = request;
  let result: Extract<AgentEvent, { type: 'result' }>['result'] | null = null;
  for await (const event of request.adapter.run(
    {
      milestoneId: request.milestoneId,
      task: {
        id: task.id,
        title: task.title,
        phase: task.phase,
        files: task.files,
        ...(task.prompt !== undefined && { prompt: task.prompt }),
        ...(task.run !== undefined && { run: task.run }),
        ...(request.verify !== undefined && { verify: request.verify }),
      },
      worktree: request.worktree,
      attempt: request.attempt,
      logFile: request.logFile,
      timeoutMs: request.timeoutMs,
      graceMs: request.graceMs,
      ...(request.maxBudgetUsd !== undefined && { maxBudgetUsd: request.maxBudgetUsd }),
      ...(request.resumeSessionId !== undefined && { resumeSessionId: request.resumeSessionId }),
    },
    request.signal,
  )) {
    request.onAgentEvent(event);
    if (event.type === 'result') result = event.result;
  }
  if (!result) {
    return fail('the agent ended without a result', {
      retryable: true,
      usage: UNKNOWN_USAGE,
      durationMs: elapsed(),
    });
  }
  const base = { usage: result.usage, timedOut: result.timedOut, canceled: result.canceled };
  const stray = await request.afterAgent?.();
  if (stray) {
    return {
      ...base,
      ok: false,
      reason: stray,
      retryable: false,
      failureKind: 'sandbox',
      commit: null,
      durationMs: elapsed(),
    };
  }
  if (!result.ok) {
    const why = result.timedOut
      ? `timed out after ${Math.round(request.timeoutMs / 1000)}s`
      : result.canceled
        ? 'canceled'
        : (result.error ?? `agent exited with ${result.exitCode}`);
    return {
      ...base,
      ok: false,
      reason: why,
      retryable: result.retryable && !result.canceled,
      ...(result.failureKind !== undefined && { failureKind: result.failureKind }),
      ...(result.retryAt !== undefined && { retryAt: result.retryAt }),
      commit: null,
      durationMs: elapsed(),
    };
  }
  if (request.verify) {
    const verify = await runProcess({
      file: request.verify,
      args: [],
      shell: true,
      cwd: request.worktree,
      timeoutMs: request.timeoutMs,
      graceMs: request.graceMs,
      signal: request.signal,
      logFile: request.logFile,
      env: { MILESTONE_ID: request.milestoneId, MILESTONE_TASK_ID: task.id },
    });
    if (verify.exitCode !== 0) {
      const why = verify.timedOut
        ? 'verify timed out'
        : verify.canceled
          ? 'canceled'
          : `verify \`${request.verify}\` exited with ${verify.exitCode ?? verify.signal}`;
      return {
        ...base,
        ok: false,
        reason: why,
        retryable: !verify.canceled,
        timedOut: verify.timedOut,
        canceled: verify.canceled,
        commit: null,
        durationMs: elapsed(),
      };
    }
  }
  const commit = await commitTask(request.worktree, request.milestoneId, task);
  return { ...base, ok: true, reason: null, retryable: false, commit, durationMs: elapsed() };
}

function fail(
  reason: string,
  rest: { retryable: boolean; usage: Usage; durationMs: number },
): AttemptOutcome {
  return { ok: false, reason, timedOut: false, canceled: false, commit: null, ...rest };
}

/** Commits everything in the worktree; an empty commit when nothing changed, so the trailer exists. */
export async function commitTask(worktree: string, milestoneId: string, task: TaskSpec): Promise<string> {
  await gitExec(worktree, ['add', '-A']);
  const message = `${task.phase === 'execute' ? 'feat' : 'docs'}(${task.phase}): ${task.title}\n\n${trailerBlock(
    {
      [TRAILER.milestone]: milestoneId,
      [TRAILER.task]: task.id,
    },
  )}\n`;
  const identity = await identityArgs(worktree);
  await gitExec(worktree, [...identity, 'commit', '-q', '--allow-empty', '--no-verify', '-F', '-'], {
    input: message,
  });
  return (await revParse(worktree, 'HEAD'))!;
}
