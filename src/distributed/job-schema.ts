import { z } from 'zod';
import { commitType } from '../config/config.js';
import { ID_PATTERN, PHASES } from '../core/types.js';
import type { AttemptOutcome } from '../engine/task-attempt.js';

/** BullMQ key prefix of every milestone queue. */
export const QUEUE_PREFIX = 'milestone';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const AGENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const TRAILER_KEY = /^[A-Z][A-Za-z-]{0,40}$/;
const id = z.string().regex(ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}');

/** Usage as agents report it: unknown stays `null`, never zero. */
const usage = z.strictObject({
  inputTokens: z.number().nonnegative().nullable(),
  outputTokens: z.number().nonnegative().nullable(),
  costUsd: z.number().nonnegative().nullable(),
});

/**
 * A task job: what a worker needs to run one attempt, and nothing more. No environment, no
 * credentials, no paths of the coordinator's machine: agents read their own login on the worker.
 */
export const taskJobSchema = z.strictObject({
  version: z.literal(1),
  milestoneId: id,
  attempt: z.number().int().min(1).max(10_000),
  agent: z.string().regex(AGENT, 'must be an agent name'),
  /** The milestone head the task starts from; the worker fetches `milestone/<id>` and checks it is there. */
  startPoint: z.string().regex(SHA, 'must be a full commit id'),
  task: z.strictObject({
    id,
    title: z.string().min(1).max(500),
    phase: z.enum(PHASES),
    prompt: z.string().max(200_000).optional(),
    run: z.string().max(20_000).optional(),
    files: z.array(z.string().max(1000)).max(1000),
    commitType: commitType.optional(),
  }),
  verify: z.string().max(20_000).optional(),
  timeoutMs: z.number().int().positive(),
  graceMs: z.number().int().nonnegative(),
  /** Extra commit trailers (the plan lineage, `Milestone-Run`). */
  trailers: z.record(z.string().regex(TRAILER_KEY), z.string().regex(/^[\w.:-]{1,200}$/)),
  commitType: commitType.nullable(),
  maxBudgetUsd: z.number().positive().optional(),
});
export type TaskJob = z.infer<typeof taskJobSchema>;

/** What a worker reports while a job runs (BullMQ job progress). */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('worker'), worker: z.string().min(1).max(200) }),
  z.strictObject({ type: z.literal('progress'), message: z.string().max(2000) }),
  z.strictObject({ type: z.literal('usage'), usage }),
  z.strictObject({ type: z.literal('session'), sessionId: z.string().min(1).max(500) }),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

/** How the attempt ended on the worker (the job's return value). */
export const jobResultSchema = z.strictObject({
  version: z.literal(1),
  worker: z.string().min(1).max(200),
  ok: z.boolean(),
  reason: z.string().max(10_000).nullable(),
  retryable: z.boolean(),
  timedOut: z.boolean(),
  canceled: z.boolean(),
  usage,
  /** The task's commit, pushed to `ref` on the remote (success only). */
  commit: z.string().regex(SHA).nullable(),
  ref: z.string().max(400).nullable(),
  failureKind: z.string().max(40).optional(),
  configError: z.boolean().optional(),
  retryAt: z.number().optional(),
  durationMs: z.number().nonnegative(),
  steps: z
    .strictObject({
      agent: z.number().nullable(),
      verify: z.number().nullable(),
      commit: z.number().nullable(),
    })
    .optional(),
  warnings: z.array(z.string().max(2000)).max(100).optional(),
  /** Where the worker keeps the attempt's full log, and its last lines. */
  log: z.string().max(2000),
  logTail: z.string().max(20_000),
});
export type JobResult = z.infer<typeof jobResultSchema>;

type FailureKind = NonNullable<AttemptOutcome['failureKind']>;
const FAILURE_KINDS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  'auth',
  'billing',
  'usage_limit',
  'rate_limit',
  'max_turns',
  'max_budget',
  'config',
  'crash',
  'error',
  'sandbox',
  'disk_space',
  'lfs_missing',
  'setup',
]);

/**
 * A result's `failureKind` as the coordinator's policy reads it: one it knows, else undefined
 * (a newer worker's kind is not a malformed result; the attempt still fails with its reason).
 */
export function resultFailureKind(result: Pick<JobResult, 'failureKind'>): FailureKind | undefined {
  const kind = result.failureKind as FailureKind | undefined;
  return kind !== undefined && FAILURE_KINDS.has(kind) ? kind : undefined;
}

/** The queue of one agent: workers listen only on the queues of agents they have. */
export function queueName(agent: string): string {
  if (!AGENT.test(agent)) throw new Error(`invalid agent name ${JSON.stringify(agent)}`);
  return `tasks-${agent}`;
}

/**
 * A job's id: milestone, task, plan lineage and attempt. A second add of the same attempt is a
 * no-op in BullMQ, and a resumed coordinator finds the job a killed one left.
 */
export function jobId(
  milestoneId: string,
  taskId: string,
  runId: string | undefined,
  attempt: number,
): string {
  return `${milestoneId}.${taskId}.${(runId ?? 'none').replace(/[^\w-]/g, '').slice(0, 12)}.a${attempt}`;
}

/** The first problem of a refused payload, as `field: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.length ? issue.path.join('.') : '(job)'}: ${issue.message}`;
}
