import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter, AgentEvent, AgentRequest } from '../agents/adapter.js';
import type { FailureKind } from '../agents/classify-failure.js';
import { formatSpanMs } from '../core/duration.js';
import type { Usage } from '../core/events.js';
import type { TaskSpec } from '../core/types.js';
import { gitExec, headCommit, indexWrittenAt } from '../git/git.js';
import { commitWorktree } from '../git/index-commit.js';
import { stageInProcess } from '../git/worktree-capture.js';
import { takeRunaway } from '../process/process-limits.js';
import { createRedactor, redactDeep, redactSecrets } from '../process/redact-secrets.js';
import { runProcess } from '../process/run-process.js';
import { commitTypeFor } from './commit-type.js';
import { failureTail } from './failure-text.js';
import { trailerBlock } from './landing.js';
import { TRAILER } from './naming.js';
import type { SlotRefusalKind } from './slot-space.js';
import { leavingLinksReason, linkLeaves, linksLeaving } from './worktree-links.js';

/** Everything one attempt of one task needs. */
export interface AttemptRequest {
  milestoneId: string;
  /** More trailers for the task's commit (the plan lineage, `Milestone-Run:`). */
  trailers?: Record<string, string>;
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
  /** `MILESTONE_*` variables for the agent and verify (repo root, slot, ...); see `stepEnv`. */
  env?: Record<string, string>;
  /** The commit the task started from: `{files}` in verify lists what changed since. */
  startPoint?: string;
  /** The commit the worktree was just checked out at, when the caller knows it (saves a `rev-parse`). */
  checkedOut?: string;
  /** Linked, copied and set-up paths of the slot: never committed. */
  ownPaths?: string[];
  /** Task commit type when neither the task nor the plan sets one (config `commit.type`). */
  commitType?: string | null;
  /** Continue this agent session instead of starting from zero (see `AgentRequest.resumeSessionId`). */
  resumeSessionId?: string;
  /**
   * Runs right after the agent, before verify and commit: a reason to fail the attempt (the
   * agent left its worktree: stray branches, worktrees, commits), or `null`.
   */
  afterAgent?: () => Promise<string | null>;
}

/** Time spent in each step of an attempt, in ms (`null`: the step did not run). */
export interface AttemptSteps {
  agent: number | null;
  verify: number | null;
  commit: number | null;
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
  /** That commit's parent: when it is the milestone head, landing needs no merge-tree. */
  parent?: string | null;
  /** The commit adds or changes a symlink that points outside the worktree (see `inheritLeavingLinks`). */
  addsLeavingLink?: boolean;
  /** A failure that must stop more than this task: its budget ran out, or the agent cannot log in. */
  stop?: 'budget' | 'auth';
  /**
   * Why the attempt failed, as data (`sandbox`: the agent changed the repository outside its task
   * branch; `disk_space` / `lfs_missing`: a worker refused to make the attempt's worktree slot;
   * `setup`: the attempt's worktree could not be made ready: its setup command or submodules
   * failed, or on a worker its `git worktree add`, checkout or fetch of the start point).
   */
  failureKind?: FailureKind | 'sandbox' | SlotRefusalKind | 'setup';
  /** When the agent's quota opens again (epoch ms), if it said. */
  retryAt?: number;
  durationMs: number;
  /** Per step; absent on outcomes made outside `runAttempt`. */
  steps?: AttemptSteps;
  /** Things the person should know that did not fail the task (a symlink leaving the worktree). */
  warnings?: string[];
  /** Failed for a configuration reason (verify's command not found): not the agent's fault. */
  configError?: boolean;
  /**
   * The attempt ran elsewhere (a queue worker), not in the local worktree, so a failure left no
   * work there to keep: `worker` ran it (null when none is known), and `workAt` is where its
   * commit still is (an attempt branch on the remote the coordinator did not take), else null.
   * `left`: the attempt was interrupted, and its job is still running on the worker (`running`,
   * the next execute takes it over) or was withdrawn from the queue before a worker took it.
   */
  ranOn?: { worker: string | null; workAt: string | null; left?: { job: string; running: boolean } };
  /**
   * This attempt ran no job of its own: it adopted `job`, enqueued for attempt `attempt` by an
   * earlier coordinator of the milestone (killed, or interrupted while it ran), and took its result.
   */
  adopted?: { job: string; attempt: number };
}

const UNKNOWN_USAGE: Usage = { inputTokens: null, outputTokens: null, costUsd: null };

/** The task as its agent sees it (here, or on a worker: the job carries the same fields). */
export function agentTask(task: TaskSpec): Omit<AgentRequest['task'], 'verify'> {
  return {
    id: task.id,
    title: task.title,
    phase: task.phase,
    files: task.files,
    ...(task.prompt !== undefined && { prompt: task.prompt }),
    ...(task.run !== undefined && { run: task.run }),
  };
}

/**
 * Runs the agent in the worktree, then the verify command, then commits whatever changed with
 * the `Milestone-Id` / `Task-Id` trailers. Success comes from exit codes, never from a claim.
 */
export async function runAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { task } = request;
  const steps: AttemptSteps = { agent: null, verify: null, commit: null };
  const env = { ...request.env, MILESTONE_ATTEMPT: String(request.attempt), MILESTONE_PHASE: task.phase };
  let result: Extract<AgentEvent, { type: 'result' }>['result'] | null = null;
  // Before the agent: a tracked symlink leaving the worktree would carry its writes out.
  const leaving = leavingLinksReason(await linksLeaving(request.worktree, request.checkedOut));
  if (leaving) {
    return {
      ...fail(leaving, { retryable: false, usage: UNKNOWN_USAGE, durationMs: elapsed() }),
      failureKind: 'sandbox',
      steps,
    };
  }
  // Lines are redacted as they arrive; text the adapter joined from several lines is checked again.
  const redact = createRedactor({ ...process.env, ...env });
  const agentStartedAt = Date.now();
  for await (const raw of request.adapter.run(
    {
      milestoneId: request.milestoneId,
      task: { ...agentTask(task), ...(request.verify !== undefined && { verify: request.verify }) },
      worktree: request.worktree,
      attempt: request.attempt,
      logFile: request.logFile,
      timeoutMs: request.timeoutMs,
      graceMs: request.graceMs,
      ...(request.maxBudgetUsd !== undefined && { maxBudgetUsd: request.maxBudgetUsd }),
      env,
      ...(request.resumeSessionId !== undefined && { resumeSessionId: request.resumeSessionId }),
    },
    request.signal,
  )) {
    const event = redactDeep(raw, redact);
    request.onAgentEvent(event);
    if (event.type === 'result') result = event.result;
  }
  steps.agent = elapsed();
  const runaway = runawayFailure(request, steps, elapsed());
  if (runaway) return runaway;
  if (!result) {
    return {
      ...fail('the agent ended without a result', {
        retryable: true,
        usage: UNKNOWN_USAGE,
        durationMs: elapsed(),
      }),
      steps,
    };
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
      steps,
    };
  }
  if (!result.ok) {
    const why = result.timedOut
      ? `timed out after ${formatSpanMs(request.timeoutMs)}`
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
      steps,
    };
  }
  if (request.verify) {
    const verifyStarted = performance.now();
    const command = request.verify.includes('{files}')
      ? request.verify.replaceAll('{files}', await changedFilesArg(request))
      : request.verify;
    const verify = await runProcess({
      file: command,
      args: [],
      shell: true,
      cwd: request.worktree,
      timeoutMs: request.timeoutMs,
      graceMs: request.graceMs,
      signal: request.signal,
      logFile: request.logFile,
      env: {
        ...env,
        MILESTONE_ID: request.milestoneId,
        MILESTONE_TASK_ID: task.id,
        MILESTONE_WORKTREE: request.worktree,
      },
    });
    steps.verify = Math.round(performance.now() - verifyStarted);
    const runawayVerify = runawayFailure(request, steps, elapsed());
    if (runawayVerify) return runawayVerify;
    if (verify.exitCode !== 0) {
      const why = verify.timedOut
        ? 'verify timed out'
        : verify.canceled
          ? 'canceled'
          : // The plan's command is echoed: a literal token in it must not reach the events.
            redactSecrets(
              `verify \`${request.verify}\` exited with ${verify.exitCode ?? verify.signal}${failureTail(verify.exitCode, verify.stderrTail || verify.stdoutTail)}`,
            );
      return {
        ...base,
        ok: false,
        reason: why,
        retryable: !verify.canceled,
        timedOut: verify.timedOut,
        canceled: verify.canceled,
        commit: null,
        durationMs: elapsed(),
        steps,
        ...(verify.exitCode === 127 && { configError: true }),
      };
    }
  }
  const commitStarted = performance.now();
  const { commit, parent, warnings, addsLeavingLink } = await commitTask(
    request.worktree,
    request.milestoneId,
    task,
    {
      ownPaths: request.ownPaths ?? [],
      type: task.commitType ?? request.commitType ?? null,
      trailers: request.trailers ?? {},
      agentStartedAt,
    },
  );
  steps.commit = Math.round(performance.now() - commitStarted);
  return {
    ...base,
    ok: true,
    reason: null,
    retryable: false,
    commit,
    parent,
    addsLeavingLink,
    durationMs: elapsed(),
    steps,
    warnings,
  };
}

/** The files the task changed since its start (committed or not), shell-quoted, for `{files}`. */
async function changedFilesArg(request: AttemptRequest): Promise<string> {
  const since = request.startPoint ?? 'HEAD';
  const [changed, added] = await Promise.all([
    gitExec(request.worktree, ['diff', '--name-only', '--no-renames', '-z', since]),
    gitExec(request.worktree, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  const own = new Set(request.ownPaths ?? []);
  const files = [...new Set([...changed.stdout.split('\0'), ...added.stdout.split('\0')])].filter(
    (f) => f && !own.has(f) && ![...own].some((p) => f.startsWith(`${p}/`)),
  );
  return files.map((f) => `'${f.replaceAll("'", "'\\''")}'`).join(' ');
}

/**
 * A process of this attempt stopped by a runaway limit (process-limits.ts): the attempt fails
 * with that reason, not retried (the same agent would run away again), and the run goes on.
 */
function runawayFailure(
  request: AttemptRequest,
  steps: AttemptSteps,
  durationMs: number,
): AttemptOutcome | null {
  const note = takeRunaway(request.logFile);
  if (!note) return null;
  return { ...fail(note.message, { retryable: false, usage: UNKNOWN_USAGE, durationMs }), steps };
}

function fail(
  reason: string,
  rest: { retryable: boolean; usage: Usage; durationMs: number },
): AttemptOutcome {
  return { ok: false, reason, timedOut: false, canceled: false, commit: null, ...rest };
}

/**
 * Commits everything in the worktree except the slot's own paths (links, copies, what setup
 * made), whatever `.gitignore` says; an empty commit when nothing changed, so the trailer
 * exists. Warns about symlinks that point outside the worktree.
 */
export async function commitTask(
  worktree: string,
  milestoneId: string,
  task: TaskSpec,
  options: {
    ownPaths?: string[];
    type?: string | null;
    trailers?: Record<string, string>;
    /** When the agent started (epoch ms): an index older than that was not touched by it. */
    agentStartedAt?: number;
  } = {},
): Promise<{ commit: string; parent: string | null; warnings: string[]; addsLeavingLink: boolean }> {
  const own = options.ownPaths ?? [];
  const staged = await stageWork(
    worktree,
    own,
    options.agentStartedAt === undefined ? {} : { indexUntouchedSince: options.agentStartedAt },
  );
  const type = options.type ?? commitTypeFor(staged);
  const message = `${type}(${task.phase}): ${task.title}\n\n${trailerBlock({
    [TRAILER.milestone]: milestoneId,
    [TRAILER.task]: task.id,
    ...options.trailers,
  })}\n`;
  const parent = await headCommit(worktree).catch(() => null);
  // From the index without a git process where it can (commitWorktree), else by `git commit`.
  const commit = await commitWorktree(worktree, parent, message);
  const warnings = staged
    .filter((path) => committedLinkLeaves(worktree, path))
    .map((path) => `${task.id}: commits symlink ${path}, which points outside the worktree`);
  return { commit, parent, warnings, addsLeavingLink: warnings.length > 0 };
}

/**
 * Stages the task's work: everything, then the slot's own paths taken out again (an exclude
 * pathspec would make git refuse when one of them is ignored, as `node_modules/` usually is).
 * Returns the added or changed paths (`add --verbose` names them: no second git call).
 */
export async function stageWork(
  worktree: string,
  ownPaths: readonly string[],
  options: { indexUntouchedSince?: number } = {},
): Promise<string[]> {
  // `add --verbose` lists only what this add staged: enough when nobody (the agent) staged
  // anything before, which the index's modification time tells; otherwise ask the index.
  const since = options.indexUntouchedSince;
  const written = since === undefined ? null : indexWrittenAt(worktree);
  const listed = since !== undefined && written !== null && written < since;
  // Untouched by the agent: staged in this process when it can (worktree-capture.ts), no git add.
  if (listed) {
    const staged = await stageInProcess(worktree, ownPaths);
    if (staged) return staged;
  }
  const { stdout } = await gitExec(worktree, ['add', '-A', ...(listed ? ['--verbose'] : [])]);
  if (ownPaths.length > 0)
    await gitExec(worktree, ['reset', '-q', '--', ...ownPaths.map((p) => `:(literal)${p}`)]);
  const own = (path: string) => ownPaths.some((p) => path === p || path.startsWith(`${p}/`));
  if (listed) {
    const added: string[] = [];
    for (const line of stdout.split('\n')) {
      const path = /^add '(.*)'$/.exec(line)?.[1];
      if (path !== undefined && !own(path)) added.push(path);
    }
    return added;
  }
  const staged = await gitExec(worktree, [
    'diff',
    '--cached',
    '--name-only',
    '--no-renames',
    '-z',
    '--diff-filter=AMT',
  ]);
  return staged.stdout.split('\0').filter((path) => path !== '' && !own(path));
}

/** A symlink the task committed whose target lies outside the worktree. */
function committedLinkLeaves(worktree: string, path: string): boolean {
  try {
    const file = join(worktree, path);
    if (!lstatSync(file).isSymbolicLink()) return false;
    return linkLeaves(worktree, path, readlinkSync(file));
  } catch {
    return false;
  }
}
