import { pert } from '../core/duration.js';
import type { StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { MilestoneStatus, Mode, Phase, TaskSpec, TaskStatus } from '../core/types.js';
import { TASK_STATUSES } from '../core/types.js';
import { type IntegrationMetrics, integrationMetrics } from './integration-status.js';
import type { AttemptRecord } from './metrics-attempts.js';
import { readAttempts } from './metrics-attempts.js';
import type { StepLog, StepTimes } from './metrics-steps.js';
import { attemptKey, noSteps, readSteps } from './metrics-steps.js';

/** How many of the counted tasks reported a figure: every one, some, or none. */
export type Coverage = 'all' | 'some' | 'none';

/** Time, tokens and cost of one task over all its attempts. */
export interface TaskMetrics {
  id: string;
  title: string;
  phase: Phase;
  status: TaskStatus;
  agent: string;
  /** Attempts started. */
  attempts: number;
  /** Attempts after the first, not counting those a stopped run cut short. */
  retries: number;
  /** Attempts a run that stopped (crash, kill) never finished; the next one ran the task again. */
  cutShort: number;
  merged: boolean;
  /** Succeeded on its first attempt, without a conflict, and landed (the quality score counts these). */
  firstTime: boolean;
  /** Summed over attempts; `null` when no attempt reported the figure (unknown, not zero). */
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  /** Duration of the last attempt; `null` while it runs or when its end was not recorded. */
  wallMs: number | null;
  /** Summed over attempts with a recorded end; 0 before the first attempt, `null` if none ended. */
  totalMs: number | null;
  /** PERT expectation of the plan's estimate, in minutes; `null` without an estimate. */
  estimateMinutes: number | null;
  attemptLog: AttemptRecord[];
  /** Time per step (setup, agent, verify, commit, merge) over all attempts. */
  steps: StepTimes;
  /** Attempts that failed for a configuration reason (setup failed, command not found). */
  configFailures: number;
}

/** One `execute` run that started at least one attempt. */
export interface RunMetrics {
  mode: Mode | null;
  attempts: number;
  /** First attempt start and last recorded attempt end of the run. */
  startedAt: string;
  endedAt: string | null;
  wallMs: number | null;
  /** Sum of the run's attempt durations. */
  busyMs: number;
  /** busy / wall: about 1 for a sequential run, up to the concurrency for a parallel one. */
  parallelism: number | null;
  /** Time per step, teardown and phase commits included. */
  steps: StepTimes;
}

/** Totals over a milestone. Unknown-aware: a sum adds the known figures and says how many were. */
export interface MetricsTotals {
  tasks: number;
  /** Tasks with at least one attempt: the figures below count these. */
  ran: number;
  succeeded: number;
  failed: number;
  skipped: number;
  byStatus: Record<TaskStatus, number>;
  attempts: number;
  retries: number;
  /** Attempts cut short by a run that stopped (see `TaskMetrics.cutShort`). */
  cutShort: number;
  /** Tasks whose work landed on the milestone branch. */
  merges: number;
  /** Sums of known token counts; `null` when no task that ran reported any. */
  inputTokens: number | null;
  outputTokens: number | null;
  tokensKnown: Coverage;
  /** Sum of known costs in USD; `null` (never 0) when no task that ran reported one. */
  costUsd: number | null;
  costKnown: Coverage;
  /** Tasks that ran without reporting a cost. */
  unknownCostTasks: number;
  /** Sum over runs of first attempt start to last attempt end (pauses between runs left out). */
  wallMs: number | null;
  /** Sum of every attempt's duration. */
  busyMs: number;
  /** busy / wall. */
  parallelism: number | null;
  firstTime: number;
  /** Quality score: firstTime / tasks that ran past configuration failures; `null` before any did. */
  quality: number | null;
  /** Time per step over every run. */
  steps: StepTimes;
  /** Attempts that failed for a configuration reason: not held against quality. */
  configFailures: number;
}

/** When each phase commit landed. */
export interface PhaseCommitTime {
  phase: Phase;
  commit: string;
  at: string;
}

/** `milestone metrics --json`: per-task and total time, tokens, cost and attempts. */
export interface MilestoneMetrics {
  id: string;
  title: string;
  status: MilestoneStatus;
  mode: Mode | null;
  tasks: TaskMetrics[];
  runs: RunMetrics[];
  phases: PhaseCommitTime[];
  totals: MetricsTotals;
  /** Integration checks on the combined tree: counts and time (issue 10). */
  integration: IntegrationMetrics;
}

/**
 * The sum of the known values and how many were known; `null` when values exist but none is
 * known. An empty list sums to a known 0 (nothing ran, nothing was spent).
 */
export function knownSum(values: readonly (number | null)[]): { sum: number | null; known: Coverage } {
  const known = values.filter((v): v is number => v !== null);
  return {
    sum: known.length || values.length === 0 ? known.reduce((a, b) => a + b, 0) : null,
    known: known.length === values.length ? 'all' : known.length ? 'some' : 'none',
  };
}

function sumOrNull(values: readonly (number | null)[]): number | null {
  return knownSum(values).sum;
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

function taskMetrics(
  state: MilestoneState,
  spec: TaskSpec,
  log: AttemptRecord[],
  steps: StepLog,
): TaskMetrics {
  const { id } = spec;
  const task = state.tasks[id]!;
  const last = log.at(-1);
  const ended = log.flatMap((a) => (a.durationMs === null ? [] : [a.durationMs]));
  // A configuration failure (setup, a command not found) says nothing about the agent's work.
  const config = log.filter((a) => steps.attempts.get(attemptKey(id, a.attempt))?.configFailure);
  const counted = log.filter((a) => !config.includes(a));
  const troubled = counted.some((a) => a.end === 'failed' || a.end === 'conflicted');
  // A run that stopped mid-attempt says nothing of the work: that attempt is no retry.
  const cutShort = log.filter((a) => a.end === 'interrupted').length;
  return {
    id,
    title: spec.title,
    phase: spec.phase,
    status: task.status,
    agent: task.agent,
    attempts: task.attempts,
    retries: Math.max(0, task.attempts - cutShort - 1),
    cutShort,
    merged: task.merged,
    firstTime:
      task.status === 'succeeded' &&
      task.merged &&
      task.attempts - config.length - cutShort === 1 &&
      !troubled,
    inputTokens: task.usage.inputTokens,
    outputTokens: task.usage.outputTokens,
    costUsd: task.usage.costUsd,
    wallMs: last?.durationMs ?? null,
    totalMs: ended.length ? ended.reduce((a, b) => a + b, 0) : log.length ? null : 0,
    estimateMinutes: spec.estimate ? pert(spec.estimate) : null,
    attemptLog: log,
    steps: steps.byTask.get(id) ?? noSteps(),
    configFailures: config.length,
  };
}

function runMetrics(mode: Mode | null, attempts: AttemptRecord[], steps: StepLog, run: number): RunMetrics {
  // Loops, not Math.min(...spread): a large plan's attempts would overflow the argument limit.
  let start = Number.POSITIVE_INFINITY;
  let end: number | null = null;
  let busyMs = 0;
  for (const a of attempts) {
    start = Math.min(start, Date.parse(a.startedAt));
    if (a.endedAt !== null) end = Math.max(end ?? 0, Date.parse(a.endedAt));
    // Waiting for a slot is not work: parallelism counts only what the attempt did.
    const wait = steps.attempts.get(attemptKey(a.taskId, a.attempt))?.slotWaitMs ?? 0;
    busyMs += Math.max(0, (a.durationMs ?? 0) - wait);
  }
  // The run lasts until its last phase commit and its teardown, not just its last attempt.
  const closing = steps.runEnds[run] ?? null;
  if (end !== null && closing !== null) end = Math.max(end, closing);
  const wallMs = end === null ? null : Math.max(0, end - start);
  return {
    mode,
    attempts: attempts.length,
    startedAt: new Date(start).toISOString(),
    endedAt: end === null ? null : new Date(end).toISOString(),
    wallMs,
    busyMs,
    parallelism: ratio(busyMs, wallMs),
    steps: steps.byRun[run] ?? noSteps(),
  };
}

/**
 * Per-task and total time, tokens, cost and attempts of one milestone, from its state and its
 * event log (oldest first; only {@link METRICS_EVENT_TYPES} are read). Cost and tokens stay
 * `null` where no agent reported them: unknown is never shown as zero. Pure.
 */
export function milestoneMetrics(state: MilestoneState, events: readonly StoredEvent[]): MilestoneMetrics {
  const { attempts, sessions } = readAttempts(events);
  const steps = readSteps(events);
  const byTask = new Map<string, AttemptRecord[]>();
  for (const a of attempts) {
    const list = byTask.get(a.taskId);
    if (list) list.push(a);
    else byTask.set(a.taskId, [a]);
  }
  const tasks = state.plan.tasks.map((spec) => taskMetrics(state, spec, byTask.get(spec.id) ?? [], steps));
  const runs = sessions
    .map((session, index) => ({ session, index, attempts: attempts.filter((a) => a.session === index) }))
    .filter((s) => s.attempts.length > 0)
    .map((s) => runMetrics(s.session.mode, s.attempts, steps, s.index));
  const phases = new Map<Phase, PhaseCommitTime>();
  for (const event of events) {
    if (event.type === 'phase_committed')
      phases.set(event.phase, { phase: event.phase, commit: event.commit, at: event.at });
  }
  return {
    id: state.id,
    title: state.title,
    status: state.status,
    mode: state.mode,
    tasks,
    runs,
    phases: [...phases.values()].sort((a, b) => a.at.localeCompare(b.at)),
    totals: { ...totals(tasks, runs), steps: steps.total },
    integration: integrationMetrics(events),
  };
}

function totals(tasks: TaskMetrics[], runs: RunMetrics[]): Omit<MetricsTotals, 'steps'> {
  const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const task of tasks) byStatus[task.status]++;
  const ran = tasks.filter((t) => t.attempts > 0);
  const cost = knownSum(ran.map((t) => t.costUsd));
  const tokens = knownSum(
    ran.map((t) => (t.inputTokens === null && t.outputTokens === null ? null : 0)),
  ).known;
  const wallMs = sumOrNull(runs.map((r) => r.wallMs));
  const busyMs = runs.reduce((sum, r) => sum + r.busyMs, 0);
  const firstTime = tasks.filter((t) => t.firstTime).length;
  const judged = ran.filter((t) => t.attempts > t.configFailures);
  return {
    tasks: tasks.length,
    ran: ran.length,
    succeeded: byStatus.succeeded,
    failed: byStatus.failed,
    skipped: byStatus.skipped,
    byStatus,
    attempts: tasks.reduce((sum, t) => sum + t.attempts, 0),
    retries: tasks.reduce((sum, t) => sum + t.retries, 0),
    cutShort: tasks.reduce((sum, t) => sum + t.cutShort, 0),
    merges: tasks.filter((t) => t.merged).length,
    inputTokens: sumOrNull(ran.map((t) => t.inputTokens)),
    outputTokens: sumOrNull(ran.map((t) => t.outputTokens)),
    tokensKnown: tokens,
    costUsd: cost.sum,
    costKnown: cost.known,
    unknownCostTasks: ran.filter((t) => t.costUsd === null).length,
    wallMs,
    busyMs,
    parallelism: ratio(busyMs, wallMs),
    firstTime,
    quality: ratio(firstTime, judged.length),
    configFailures: tasks.reduce((sum, t) => sum + t.configFailures, 0),
  };
}
