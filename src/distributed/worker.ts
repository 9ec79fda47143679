import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Job } from 'bullmq';
import { UnrecoverableError, Worker } from 'bullmq';
import type { AgentAdapter } from '../agents/adapter.js';
import type { Config } from '../config/config.js';
import type { TaskSpec } from '../core/types.js';
import { attemptLogPath, repoSlotsDir, repoWorktreeDir } from '../engine/naming.js';
import { stepEnv } from '../engine/step-env.js';
import { guardRepo, isShellAgent } from '../engine/stray-refs.js';
import type { AttemptOutcome } from '../engine/task-attempt.js';
import { runAttempt } from '../engine/task-attempt.js';
import type { AcquiredSlot } from '../engine/worktree-pool.js';
import { WorktreePool } from '../engine/worktree-pool.js';
import { deleteBranch, gitExec, pushBranch } from '../git/git.js';
import { autoMaintenance } from '../git/maintenance.js';
import { milestoneBranch } from '../git/ref-names.js';
import { walkingAllHeads } from '../git/worktree-add-gate.js';
import { limitsFromConfig, withProcessLimits } from '../process/process-limits.js';
import type { JobEvent, JobResult, TaskJob } from './job-schema.js';
import { firstIssue, QUEUE_PREFIX, queueName, taskJobSchema } from './job-schema.js';
import type { QueueUrl } from './queue-url.js';
import { openRedis } from './redis-connection.js';
import { workerSlotFailure } from './slot-refusal.js';
import { attemptBranch, attemptToken } from './task-refs.js';

/** What `milestone worker` runs with; the CLI builds it from flags and the clone's config. */
export interface WorkerOptions {
  url: QueueUrl;
  /** The worker's clone of the repository. */
  repoRoot: string;
  storeDir: string;
  worktreeRoot: string;
  worktrees: Config['worktrees'];
  /**
   * Config `limits` of this clone: each task's processes run under them as in a local run (log
   * cap, runaways, memory, niceness), and a new worktree slot keeps `minFreeMb` free.
   */
  limits: Config['limits'];
  /** The git remote the coordinator also uses (fetch the milestone head, push attempts). */
  remote: string;
  /** The agents this worker offers, by name: it listens on their queues only. */
  adapters: Map<string, AgentAdapter>;
  /** Tasks at once, per agent queue. */
  concurrency: number;
  /** A job whose worker stops renewing its lock for this long is re-run elsewhere. */
  stallMs: number;
  workerId: string;
  say: (line: string) => void;
  /** First abort: take no more jobs, finish the running ones. */
  signal: AbortSignal;
  /** Second abort: stop the running attempts; their jobs go back to the queue (stalled). */
  force: AbortSignal;
  /** Test knob: shorter kill grace for agents. */
  graceMs?: number;
}

/**
 * Takes task jobs until `signal` aborts: each one is validated, its milestone head fetched, the
 * task run in a local worktree with the same attempt code as local runs (agent, verify,
 * commit with trailers), and the commit pushed to a per-attempt task branch. A bad job is
 * refused (logged, failed in the queue) and the worker goes on.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const redis = openRedis(options.url, options.say);
  // Connected before taking work (waiting through an outage); a connection that can never work ends here.
  const connected = await Promise.race([
    redis.ready().then(
      () => null,
      (error: unknown) => error,
    ),
    aborted(options.signal).then(() => null),
  ]);
  if (connected || options.signal.aborted) {
    await redis.close();
    if (connected) throw connected;
    options.say('worker stopped');
    return;
  }
  const pool = new WorktreePool(options.repoRoot, options.worktreeRoot, {
    ...options.worktrees,
    minFreeBytes: options.limits.minFreeMb * 1024 * 1024,
  });
  // Niceness counted from the one the program started with, whether the CLI lowered it already or not.
  const limits = limitsFromConfig(options.limits);
  let fetching: Promise<unknown> = Promise.resolve();
  const fetchHead = (job: TaskJob): Promise<void> => {
    // One fetch at a time: two fetches updating one tracking ref would fail on its lock.
    const next = fetching.then(() => fetchMilestone(options, job));
    fetching = next.catch(() => undefined);
    return next;
  };
  const workers = [...options.adapters.keys()].map((agent) => {
    const worker = new Worker(
      queueName(agent),
      // Per job, as runMilestone does per run: the limits reach every task process of the attempt.
      (job: Job) => withProcessLimits(limits, () => processJob(job, agent, options, pool, fetchHead)),
      {
        connection: redis.client,
        prefix: QUEUE_PREFIX,
        concurrency: options.concurrency,
        lockDuration: options.stallMs,
        stalledInterval: options.stallMs,
        maxStalledCount: 5,
        name: options.workerId,
      },
    );
    redis.watch(worker);
    return worker;
  });
  options.say(
    `worker ${options.workerId} waiting for tasks on ${options.url.display} for ${[...options.adapters.keys()].join(', ')} (concurrency ${options.concurrency} per agent)`,
  );
  const refused = await Promise.race([aborted(options.signal).then(() => null), redis.refused]);
  if (refused) {
    // Nothing reaches Redis any more: running attempts could not report; their jobs stall back to the queue.
    await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
    await pool.close();
    await redis.close();
    throw refused;
  }
  options.say('stopping: taking no new tasks, finishing the running ones (signal again to hand them back)');
  const graceful = Promise.all(workers.map((w) => w.close()));
  const forced = aborted(options.force).then(async () => {
    options.say('handing running tasks back to the queue');
    await Promise.all(workers.map((w) => w.close(true)));
  });
  await Promise.race([graceful, forced]);
  await pool.close();
  await redis.close();
  options.say('worker stopped');
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function processJob(
  job: Job,
  agent: string,
  options: WorkerOptions,
  pool: WorktreePool,
  fetchHead: (job: TaskJob) => Promise<void>,
): Promise<JobResult> {
  const parsed = taskJobSchema.safeParse(job.data);
  const problem = parsed.success
    ? parsed.data.agent === agent
      ? null
      : `agent: ${parsed.data.agent} sent to the queue of ${agent}`
    : firstIssue(parsed.error);
  if (problem || !parsed.success) {
    options.say(`refused job ${String(job.id)}: ${problem}`);
    // Unrecoverable: a malformed job fails at once instead of being retried by every worker.
    throw new UnrecoverableError(`refused by worker ${options.workerId}: ${problem}`);
  }
  const data = parsed.data;
  const adapter = options.adapters.get(agent)!;
  const token = attemptToken();
  const branch = attemptBranch(data.milestoneId, data.task.id, data.attempt, token);
  const log = join(
    dirname(attemptLogPath(options.storeDir, data.milestoneId, data.task.id, data.attempt)),
    `attempt-${data.attempt}-${token}.log`,
  );
  mkdirSync(dirname(log), { recursive: true, mode: 0o700 });
  const report = (event: JobEvent) => {
    // Progress is best effort: a lost line must not fail the task.
    job.updateProgress(event).catch(() => undefined);
  };
  options.say(
    `running ${data.milestoneId}/${data.task.id} attempt ${data.attempt} with ${agent} (job ${job.id})`,
  );
  report({ type: 'worker', worker: options.workerId });
  const started = performance.now();
  const result = (outcome: AttemptOutcome, ref: string | null): JobResult => ({
    version: 1,
    worker: options.workerId,
    ok: outcome.ok,
    reason: outcome.reason,
    retryable: outcome.retryable,
    timedOut: outcome.timedOut,
    canceled: outcome.canceled,
    usage: outcome.usage,
    commit: outcome.ok ? outcome.commit : null,
    ref,
    ...(outcome.failureKind !== undefined && { failureKind: outcome.failureKind }),
    ...(outcome.configError && { configError: true }),
    ...(outcome.retryAt !== undefined && { retryAt: outcome.retryAt }),
    durationMs: Math.round(performance.now() - started),
    ...(outcome.steps && { steps: outcome.steps }),
    ...(outcome.warnings && { warnings: outcome.warnings }),
    log,
    logTail: logTail(log),
  });
  const failure = (reason: string, failureKind?: AttemptOutcome['failureKind']): JobResult =>
    result(
      {
        ok: false,
        reason,
        retryable: true,
        timedOut: false,
        canceled: false,
        usage: { inputTokens: null, outputTokens: null, costUsd: null },
        commit: null,
        durationMs: 0,
        ...(failureKind !== undefined && { failureKind }),
      },
      null,
    );
  try {
    await fetchHead(data);
  } catch (error) {
    return failure(
      `could not fetch ${milestoneBranch(data.milestoneId)} from ${options.remote}: ${lastLine(error)}`,
      'setup',
    );
  }
  const env = stepEnv({
    repoRoot: options.repoRoot,
    milestoneId: data.milestoneId,
    taskId: data.task.id,
    phase: data.task.phase,
    attempt: data.attempt,
  });
  let slot: AcquiredSlot;
  try {
    slot = await pool.acquire(branch, data.startPoint, {
      logFile: log,
      signal: options.force,
      timeoutMs: data.timeoutMs,
      env,
    });
  } catch (error) {
    // No room for a slot (or no git-lfs), or git could not make or switch it: a failed attempt
    // with its kind, as a setup failure is, so the coordinator's retry policy sees why, and not
    // a failed queue job. The pool let the slot go; the worker goes on with the next job.
    const refused = workerSlotFailure(error, options.repoRoot);
    options.say(`${data.task.id} attempt ${data.attempt} failed: ${refused.reason}`);
    // The attempt's log says it too: its tail is the coordinator's copy.
    try {
      appendFileSync(log, `milestone: worker ${options.workerId}: ${refused.reason}\n`);
    } catch {
      // The reason travels in the result anyway.
    }
    return failure(refused.reason, refused.kind);
  }
  try {
    if (slot.setup.error)
      return failure(`worktree setup failed on ${options.workerId}: ${slot.setup.error}`, 'setup');
    const task: TaskSpec = {
      id: data.task.id,
      title: data.task.title,
      phase: data.task.phase,
      needs: [],
      files: data.task.files,
      ...(data.task.prompt !== undefined && { prompt: data.task.prompt }),
      ...(data.task.run !== undefined && { run: data.task.run }),
      ...(data.task.commitType !== undefined && { commitType: data.task.commitType }),
    };
    const afterAgent = isShellAgent(adapter)
      ? undefined
      : await guardRepo(
          options.repoRoot,
          {
            milestoneId: data.milestoneId,
            worktreeDir: repoWorktreeDir(options.worktreeRoot, options.repoRoot, data.milestoneId),
            slotsDir: repoSlotsDir(options.worktreeRoot, options.repoRoot),
            worktree: slot.path,
          },
          (reason) => options.say(`${data.task.id}: ${reason}`),
        );
    const outcome = await runAttempt({
      ...(afterAgent && { afterAgent }),
      milestoneId: data.milestoneId,
      trailers: data.trailers,
      task,
      verify: data.verify,
      timeoutMs: data.timeoutMs,
      graceMs: options.graceMs ?? data.graceMs,
      attempt: data.attempt,
      worktree: slot.path,
      logFile: log,
      adapter,
      signal: options.force,
      ...(data.maxBudgetUsd !== undefined && { maxBudgetUsd: data.maxBudgetUsd }),
      env: { ...env, MILESTONE_WORKTREE: slot.path, MILESTONE_SLOT: String(slot.slot) },
      startPoint: data.startPoint,
      ownPaths: slot.ownPaths,
      commitType: data.commitType,
      onAgentEvent: (event) => {
        if (event.type === 'progress') report({ type: 'progress', message: event.message.slice(0, 2000) });
        else if (event.type === 'usage') report({ type: 'usage', usage: event.usage });
        else if (event.type === 'session') report({ type: 'session', sessionId: event.sessionId });
      },
    });
    if (!outcome.ok || !outcome.commit) {
      options.say(`${data.task.id} attempt ${data.attempt} failed: ${outcome.reason ?? 'no commit'}`);
      return result(outcome, null);
    }
    const push = await pushBranch(options.repoRoot, options.remote, branch, {
      timeoutMs: 120_000,
      signal: options.force,
    });
    if (!push.ok) {
      const why = push.timedOut
        ? 'timed out'
        : push.message
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .join('; ');
      options.say(`${data.task.id}: push to ${options.remote} refused: ${why}`);
      return result(
        {
          ...outcome,
          ok: false,
          retryable: true,
          commit: null,
          reason: `push of ${branch} to ${options.remote} refused: ${why}`,
        },
        null,
      );
    }
    options.say(`${data.task.id} attempt ${data.attempt} done: pushed ${branch}`);
    return result(outcome, `refs/heads/${branch}`);
  } finally {
    await pool.release(slot.path, { detach: true });
    await deleteBranch(options.repoRoot, branch, { force: true }).catch(() => undefined);
    // Slot commits and fetches skip git's automatic gc: it runs here, when it has work, in the
    // worktree-add gate and not detached, so none of this worker's slot adds meets it; the job's
    // result does not wait for it.
    void autoMaintenance(options.repoRoot, { detach: false });
  }
}

/** `git fetch <remote> milestone/<id>`, then checks the job's start point arrived. */
async function fetchMilestone(options: WorkerOptions, job: TaskJob): Promise<void> {
  const branch = milestoneBranch(job.milestoneId);
  // Never while a slot is being added: the fetch would read its unset HEAD and fail.
  await walkingAllHeads(options.repoRoot, () =>
    gitExec(
      options.repoRoot,
      [
        'fetch',
        '--no-tags',
        // No detached gc walking the HEADs of slots being added: the worker's own runs after a job.
        '--no-auto-gc',
        '-q',
        options.remote,
        `refs/heads/${branch}:refs/remotes/${options.remote}/${branch}`,
      ],
      { timeoutMs: 120_000 },
    ),
  );
  const found = await gitExec(options.repoRoot, ['cat-file', '-e', `${job.startPoint}^{commit}`], {
    allowExitCodes: [1, 128],
  });
  if (found.exitCode !== 0) throw new Error(`commit ${job.startPoint.slice(0, 12)} is not on ${branch}`);
}

function lastLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split('\n').slice(-2).join(' ');
}

/** The last lines of an attempt's log, for the coordinator's copy. */
function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-60).join('\n').slice(-20_000);
  } catch {
    return '';
  }
}
