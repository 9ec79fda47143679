import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Job } from 'bullmq';
import { Queue, QueueEvents } from 'bullmq';
import type { Usage } from '../core/events.js';
import { TRAILER } from '../engine/naming.js';
import type { AttemptOutcome, AttemptRequest } from '../engine/task-attempt.js';
import { agentTask } from '../engine/task-attempt.js';
import { gitExec, pushBranch, revParse, trailerValues } from '../git/git.js';
import { milestoneBranch } from '../git/ref-names.js';
import { walkingAllHeads } from '../git/worktree-add-gate.js';
import type { JobResult, TaskJob } from './job-schema.js';
import {
  firstIssue,
  jobEventSchema,
  jobId,
  jobResultSchema,
  QUEUE_PREFIX,
  queueName,
  resultFailureKind,
} from './job-schema.js';
import type { QueueUrl } from './queue-url.js';
import type { RedisConnection } from './redis-connection.js';
import { openRedis } from './redis-connection.js';
import { isTaskRef } from './task-refs.js';

/** What the coordinator side needs besides each attempt's request. */
export interface RemoteRunnerOptions {
  url: QueueUrl;
  repoRoot: string;
  remote: string;
  milestoneId: string;
  /** Plain lines for the person (outages, adopted jobs): never the URL's password. */
  say: (line: string) => void;
  /**
   * Which worker runs which attempt, for `status` (recorded in the store by the caller); `adopted`
   * when the attempt took over the job an earlier coordinator enqueued for its attempt N.
   */
  onWorker: (taskId: string, attempt: number, worker: string, adopted?: Adopted) => void;
  /** How often job states are read besides the event stream (ms). */
  pollMs?: number;
}

/** The coordinator's side of the queue: a drop-in for `runAttempt`, plus the final push. */
export interface RemoteRunner {
  run(request: AttemptRequest): Promise<AttemptOutcome>;
  /**
   * Resolves once Redis answers (waiting through an outage); when the connection can never work
   * (an untrusted TLS certificate), closes everything, pushes nothing and throws why.
   */
  connected(): Promise<void>;
  /** Pushes the milestone branch as it now is, deletes the fetched attempt branches, closes. */
  finish(): Promise<void>;
}

/** A job an earlier coordinator enqueued, taken over by this run's attempt. */
export interface Adopted {
  job: string;
  /** The earlier run's attempt number the job was enqueued for (the worker prints that one). */
  attempt: number;
}

const UNKNOWN: Usage = { inputTokens: null, outputTokens: null, costUsd: null };
/** Earlier attempts a resumed coordinator looks for in the queue before enqueuing a new one. */
const LOOK_BACK = 5;

/**
 * Opens the queues. `run` enqueues one attempt as a job on its agent's queue (after pushing the
 * milestone head it starts from), relays the worker's progress, waits for its result, fetches
 * the pushed commit into the attempt's local worktree and returns an `AttemptOutcome`, so
 * landing, conflicts and retries stay the engine's own code.
 */
export function openRemoteRunner(options: RemoteRunnerOptions): RemoteRunner {
  const redis = openRedis(options.url, options.say);
  const queues = new Map<string, { queue: Queue; events: QueueEvents }>();
  const waiters = new Map<string, { wake: () => void; progress: (data: unknown) => void }>();
  /** Tasks whose commit this run fetched: their attempt branches (duplicates too) are spent. */
  const fetched = new Set<string>();
  const branch = milestoneBranch(options.milestoneId);
  let pushed: string | null = null;
  let pushing: Promise<unknown> = Promise.resolve();

  const queueFor = (agent: string) => {
    let entry = queues.get(agent);
    if (!entry) {
      const name = queueName(agent);
      const queue = new Queue(name, { connection: redis.client, prefix: QUEUE_PREFIX });
      const events = new QueueEvents(name, { connection: redisOptionsOf(redis), prefix: QUEUE_PREFIX });
      redis.watch(queue);
      redis.watch(events);
      events.on('progress', ({ jobId, data }) => waiters.get(jobId)?.progress(data));
      const wake = ({ jobId }: { jobId: string }) => waiters.get(jobId)?.wake();
      events.on('completed', wake);
      events.on('failed', wake);
      events.on('active', wake);
      entry = { queue, events };
      queues.set(agent, entry);
    }
    return entry;
  };

  /** Pushes the milestone branch unless the remote already has `startPoint` (one push at a time). */
  const ensurePushed = (startPoint: string): Promise<void> => {
    const next = pushing.then(async () => {
      if (pushed && (pushed === startPoint || (await isAncestor(options.repoRoot, startPoint, pushed))))
        return;
      const head = await revParse(options.repoRoot, `refs/heads/${branch}`);
      const result = await pushBranch(options.repoRoot, options.remote, branch, { timeoutMs: 120_000 });
      if (!result.ok) throw new Error(`push of ${branch} to ${options.remote} failed: ${result.message}`);
      pushed = head;
    });
    pushing = next.catch(() => undefined);
    return next;
  };

  /** A job a killed coordinator left for this task (same lineage), still useful: adopted. */
  const adoptable = async (queue: Queue, request: AttemptRequest, run: string | undefined) => {
    for (let a = request.attempt - 1; a >= Math.max(1, request.attempt - LOOK_BACK); a--) {
      const job = await queue.getJob(jobId(options.milestoneId, request.task.id, run, a));
      if (!job) continue;
      const state = await job.getState();
      if (state === 'failed' || state === 'unknown') continue;
      const now = state === 'active' ? 'running' : state === 'completed' ? 'finished' : 'not taken yet';
      return { job, attempt: a, state: now };
    }
    return null;
  };

  const run = async (request: AttemptRequest): Promise<AttemptOutcome> => {
    const started = performance.now();
    /** The workers seen running this attempt's job (a stalled job may move to another). */
    const workers = new Set<string>();
    const fail = (reason: string, extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
      ok: false,
      reason,
      retryable: true,
      timedOut: false,
      canceled: false,
      usage: UNKNOWN,
      commit: null,
      durationMs: Math.round(performance.now() - started),
      // Nothing of a queued attempt is in the local worktree: the coordinator keeps no branch.
      ranOn: { worker: [...workers].at(-1) ?? null, workAt: null },
      ...(adopted && { adopted }),
      ...extra,
    });
    const { queue } = queueFor(request.adapter.name);
    const runId = request.trailers?.[TRAILER.run];
    const found = await adoptable(queue, request, runId);
    let job: Job;
    const adopted: Adopted | undefined = found
      ? { job: String(found.job.id), attempt: found.attempt }
      : undefined;
    if (found) {
      job = found.job;
      options.say(
        `${request.task.id}: resuming with job ${found.job.id} left in the queue by an earlier run ` +
          `(its attempt ${found.attempt}, ${found.state}): ` +
          `adopted as attempt ${request.attempt}, no new job`,
      );
    } else {
      if (!request.startPoint) return fail('no start point for a queued attempt');
      try {
        await ensurePushed(request.startPoint);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      const data: TaskJob = jobData(options.milestoneId, request);
      job = await queue.add('task', data, {
        jobId: jobId(options.milestoneId, request.task.id, runId, request.attempt),
        attempts: 1,
        removeOnComplete: false,
        removeOnFail: false,
      });
    }
    const id = String(job.id);
    let wake: () => void = () => undefined;
    const noteWorker = (name: string) => {
      if (workers.has(name)) return;
      workers.add(name);
      options.onWorker(request.task.id, request.attempt, name, adopted);
    };
    waiters.set(id, {
      wake: () => wake(),
      progress: (raw) => {
        const event = jobEventSchema.safeParse(raw);
        if (!event.success) return;
        const e = event.data;
        if (e.type === 'worker') noteWorker(e.worker);
        else request.onAgentEvent(e);
      },
    });
    try {
      for (;;) {
        const current = await queue.getJob(id);
        if (!current) return fail(`job ${id} disappeared from the queue`);
        const state = await current.getState();
        if (state === 'active' && current.processedBy) noteWorker(current.processedBy);
        // Read again once finished: the job read above may predate its result.
        const settled = state === 'completed' || state === 'failed' ? await queue.getJob(id) : null;
        if (state === 'completed' && settled) {
          const outcome = await consume(settled, request, fail, started);
          return adopted ? { ...outcome, adopted } : outcome;
        }
        if (state === 'failed' && settled) {
          await settled.remove().catch(() => undefined);
          return fail(`the queue failed job ${id}: ${settled.failedReason ?? 'no reason given'}`);
        }
        if (request.signal.aborted) {
          // A waiting job is withdrawn; a running one is left to finish: a resume adopts it.
          const waiting = state === 'waiting' || state === 'delayed' || state === 'prioritized';
          const withdrawn =
            waiting &&
            (await current
              .remove()
              .then(() => true)
              .catch(() => false));
          return fail('canceled', {
            canceled: true,
            retryable: false,
            ranOn: {
              worker: [...workers].at(-1) ?? null,
              workAt: null,
              left: { job: id, running: !withdrawn },
            },
          });
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            request.signal.removeEventListener('abort', done);
            wake = () => undefined;
            resolve();
          };
          const timer = setTimeout(done, options.pollMs ?? 1000);
          request.signal.addEventListener('abort', done, { once: true });
          wake = done;
        });
      }
    } finally {
      waiters.delete(id);
    }
  };

  /** A completed job: its result checked, its commit fetched into the attempt's worktree. */
  const consume = async (
    job: Job,
    request: AttemptRequest,
    fail: (reason: string, extra?: Partial<AttemptOutcome>) => AttemptOutcome,
    started: number,
  ): Promise<AttemptOutcome> => {
    const parsed = jobResultSchema.safeParse(job.returnvalue);
    await job.remove().catch(() => undefined);
    if (!parsed.success)
      return fail(`worker sent a malformed result for job ${job.id}: ${firstIssue(parsed.error)}`);
    const result = parsed.data;
    copyLog(request.logFile, result);
    const base = {
      usage: result.usage,
      durationMs: Math.round(performance.now() - started),
      ...(result.steps && { steps: result.steps }),
      ...(result.warnings && { warnings: result.warnings }),
    };
    if (!result.ok) {
      const failureKind = resultFailureKind(result);
      return {
        ...base,
        ok: false,
        reason: `${result.reason ?? 'failed'} (on ${result.worker})`,
        retryable: result.retryable || result.canceled,
        // A worker that stopped is not a cancellation of the milestone: another attempt may run.
        canceled: false,
        timedOut: result.timedOut,
        commit: null,
        // The worker's kind (a slot it could not make, a quota, a login) reaches the policy.
        ...(failureKind !== undefined && { failureKind }),
        // A worker discards a failed attempt's changes: no work is kept anywhere.
        ranOn: { worker: result.worker, workAt: null },
        ...(result.configError && { configError: true }),
        ...(result.retryAt !== undefined && { retryAt: result.retryAt }),
      };
    }
    const taskJob = job.data as TaskJob;
    const refused = await fetchAttempt(options, request, result, taskJob.startPoint);
    if (refused)
      return fail(refused.problem, {
        usage: result.usage,
        ranOn: { worker: result.worker, workAt: refused.workAt },
      });
    fetched.add(request.task.id);
    return {
      ...base,
      ok: true,
      reason: null,
      retryable: false,
      timedOut: false,
      canceled: false,
      commit: result.commit,
    };
  };

  const finish = async () => {
    try {
      await pushing;
      const result = await pushBranch(options.repoRoot, options.remote, branch, { timeoutMs: 120_000 });
      if (!result.ok) options.say(`push of ${branch} to ${options.remote} failed: ${result.message}`);
      else options.say(`pushed ${branch} to ${options.remote}`);
      const used = await usedAttemptRefs(options, fetched);
      for (let i = 0; i < used.length; i += 100) {
        // Deleting a ref is no force push; the attempt branches served their purpose.
        await gitExec(
          options.repoRoot,
          ['push', '-q', options.remote, '--delete', ...used.slice(i, i + 100)],
          {
            timeoutMs: 120_000,
            allowExitCodes: [1],
          },
        );
      }
    } finally {
      for (const { queue, events } of queues.values()) {
        await events.close().catch(() => undefined);
        await queue.close().catch(() => undefined);
      }
      await redis.close();
    }
  };

  const connected = async () => {
    try {
      await redis.ready();
    } catch (error) {
      await redis.close();
      throw error;
    }
  };

  return { run, connected, finish };
}

/** The job for one attempt: the task's own fields, no environment, no local paths. */
function jobData(milestoneId: string, request: AttemptRequest): TaskJob {
  const { task } = request;
  return {
    version: 1,
    milestoneId,
    attempt: request.attempt,
    agent: request.adapter.name,
    startPoint: request.startPoint!,
    task: { ...agentTask(task), ...(task.commitType !== undefined && { commitType: task.commitType }) },
    ...(request.verify !== undefined && { verify: request.verify }),
    timeoutMs: request.timeoutMs,
    graceMs: request.graceMs,
    trailers: request.trailers ?? {},
    commitType: request.commitType ?? null,
    ...(request.maxBudgetUsd !== undefined && { maxBudgetUsd: request.maxBudgetUsd }),
  };
}

/**
 * Fetches the worker's commit into the attempt's worktree and puts its branch there, after
 * checking it is what the job asked for: a task ref of this milestone, the named commit, the
 * task's trailers, descending from the job's start point. Returns why not (with where the
 * worker's commit is, when the remote holds it under the ref: it stays there), or null.
 */
async function fetchAttempt(
  options: RemoteRunnerOptions,
  request: AttemptRequest,
  result: JobResult,
  startPoint: string,
): Promise<{ problem: string; workAt: string | null } | null> {
  const { ref, commit } = result;
  if (!ref || !commit || !isTaskRef(options.milestoneId, ref))
    return {
      problem: `worker ${result.worker} named no task ref of ${options.milestoneId} (${ref ?? 'none'})`,
      workAt: null,
    };
  const cwd = request.worktree;
  try {
    // In the repository's common store: a slot being added meanwhile would fail the fetch.
    await walkingAllHeads(options.repoRoot, () =>
      // No gc of its own (a detached one would walk the HEADs of slots being added): the
      // run's end runs git's maintenance once.
      gitExec(cwd, ['fetch', '--no-tags', '--no-auto-gc', '-q', options.remote, ref], { timeoutMs: 120_000 }),
    );
  } catch (error) {
    return {
      problem: `could not fetch ${ref} from ${options.remote}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      workAt: null,
    };
  }
  // The remote holds a commit under `ref`; `finish` deletes only the refs of tasks that landed.
  const workAt = `${ref.replace(/^refs\/heads\//, '')} on ${options.remote}`;
  const got = await revParse(cwd, 'FETCH_HEAD');
  if (got !== commit)
    return {
      problem: `${ref} on ${options.remote} is ${got?.slice(0, 12)}, not ${commit.slice(0, 12)}`,
      workAt,
    };
  if (!(await isAncestor(cwd, startPoint, commit)))
    return {
      problem: `${commit.slice(0, 12)} does not descend from the start point ${startPoint.slice(0, 12)}`,
      workAt,
    };
  const tasks = await trailerValues(cwd, commit, TRAILER.task, { since: startPoint });
  if (!tasks.includes(request.task.id))
    return { problem: `${commit.slice(0, 12)} has no Task-Id: ${request.task.id} trailer`, workAt };
  await gitExec(cwd, ['reset', '-q', '--hard', commit]);
  return null;
}

async function isAncestor(cwd: string, ancestor: string, of: string): Promise<boolean> {
  const { exitCode } = await gitExec(cwd, ['merge-base', '--is-ancestor', ancestor, of], {
    allowExitCodes: [1],
  });
  return exitCode === 0;
}

/** The worker's log tail, kept where local attempts keep their log (status and report read it). */
function copyLog(path: string, result: JobResult): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(
      path,
      `--- milestone: ran on worker ${result.worker}; full log there: ${result.log} ---\n${result.logTail}`,
    );
  } catch {
    // The log copy is a convenience; the outcome stands without it.
  }
}

/** QueueEvents blocks on its connection, so it gets its own (same options). */
function redisOptionsOf(redis: RedisConnection) {
  return redis.client.options;
}

/**
 * The attempt branches on the remote of tasks this run fetched: the one it used and any a
 * duplicate run of the same job pushed (a stalled job re-run while its first worker lived on).
 */
async function usedAttemptRefs(options: RemoteRunnerOptions, tasks: Set<string>): Promise<string[]> {
  if (tasks.size === 0) return [];
  const prefix = `refs/heads/${milestoneBranch(options.milestoneId)}.tasks/`;
  const { stdout } = await gitExec(options.repoRoot, ['ls-remote', '--refs', options.remote, `${prefix}*`], {
    timeoutMs: 120_000,
  });
  return stdout
    .split('\n')
    .map((line) => line.split('\t')[1] ?? '')
    .filter(
      (ref) => isTaskRef(options.milestoneId, ref) && tasks.has(ref.slice(prefix.length).split('.')[0]!),
    );
}
