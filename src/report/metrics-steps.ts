import type { StoredEvent } from '../core/events.js';

/** The steps of a task and of a run that the metrics time. */
export const STEPS = ['setup', 'agent', 'verify', 'commit', 'merge', 'teardown'] as const;
export type Step = (typeof STEPS)[number];

/** Milliseconds per step, summed. `setup` is getting the worktree ready (checkout, links, copies, setup command). */
export type StepTimes = Record<Step, number>;

/** What the step events of one attempt say, keyed by task and attempt number. */
export interface AttemptFacts {
  /** Time spent waiting for someone else's worktree administration, not this attempt's own work. */
  slotWaitMs: number;
  /**
   * The attempt failed for a configuration reason (setup failed here or on a queue worker, a
   * worker refused the slot, a command not found).
   */
  configFailure: boolean;
}

/** Step times per task, per run (index of the `execute` session) and in total. */
export interface StepLog {
  byTask: Map<string, StepTimes>;
  byRun: StepTimes[];
  total: StepTimes;
  attempts: Map<string, AttemptFacts>;
  /** Per run, the time of its last phase commit or teardown (epoch ms); `null` = none recorded. */
  runEnds: Array<number | null>;
}

export function noSteps(): StepTimes {
  return { setup: 0, agent: 0, verify: 0, commit: 0, merge: 0, teardown: 0 };
}

/** Key of one attempt in {@link StepLog.attempts}. */
export function attemptKey(taskId: string, attempt: number): string {
  return `${taskId}#${attempt}`;
}

/**
 * The failure kinds of an attempt whose worktree could not be made (its setup failed, or a queue
 * worker refused the slot for disk space or a missing git-lfs): the agent never ran. A local
 * setup failure shows as the `worktree` outcome with ok false; a worker's as the `agent`
 * outcome's `failureKind`. Both are configuration failures.
 */
const SLOT_FAILURES: ReadonlySet<unknown> = new Set(['setup', 'disk_space', 'lfs_missing']);
const isSlotFailure = (kind: unknown): boolean => SLOT_FAILURES.has(kind);

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * Reads the step events: the `worktree` outcome (checkout + preparation = setup), the `agent`
 * outcome's `steps` (agent, verify, commit), `merge` intent → landing (merge), phase commits
 * (commit, of the run) and the `teardown` outcome. Pure.
 */
export function readSteps(events: readonly StoredEvent[]): StepLog {
  const log: StepLog = { byTask: new Map(), byRun: [], total: noSteps(), attempts: new Map(), runEnds: [] };
  const ended = (at: number) => {
    if (run >= 0) log.runEnds[run] = Math.max(log.runEnds[run] ?? 0, at);
  };
  let run = -1;
  const asked = new Map<string, number>();
  const merging = new Map<string, number>();
  let phaseCommit: number | null = null;
  const add = (step: Step, ms: number, taskId?: string) => {
    if (ms <= 0) return;
    log.total[step] += ms;
    if (run >= 0) log.byRun[run]![step] += ms;
    if (taskId === undefined) return;
    const task = log.byTask.get(taskId) ?? noSteps();
    task[step] += ms;
    log.byTask.set(taskId, task);
  };
  const facts = (taskId: string, attempt: number): AttemptFacts => {
    const key = attemptKey(taskId, attempt);
    const known = log.attempts.get(key) ?? { slotWaitMs: 0, configFailure: false };
    log.attempts.set(key, known);
    return known;
  };
  for (const event of events) {
    const at = Date.parse(event.at);
    if (event.type === 'milestone_status' && event.status === 'executing') {
      run += 1;
      log.byRun.push(noSteps());
      log.runEnds.push(null);
    } else if (event.type === 'intent' && event.step === 'worktree' && event.taskId) {
      asked.set(event.taskId, at);
    } else if (event.type === 'outcome' && event.step === 'worktree' && event.taskId) {
      const own = num(event.detail?.checkoutMs) + num(event.detail?.prepareMs);
      add('setup', own, event.taskId);
      const attempt = facts(event.taskId, num(event.detail?.attempt));
      const since = asked.get(event.taskId);
      if (since !== undefined) attempt.slotWaitMs = Math.max(0, at - since - own);
      if (!event.ok) attempt.configFailure = true;
    } else if (event.type === 'outcome' && event.step === 'agent' && event.taskId) {
      const steps = event.detail?.steps as Partial<Record<Step, unknown>> | undefined;
      if (steps)
        for (const step of ['agent', 'verify', 'commit'] as const) add(step, num(steps[step]), event.taskId);
      else add('agent', num(event.detail?.durationMs), event.taskId);
      if (event.detail?.configError === true || isSlotFailure(event.detail?.failureKind))
        facts(event.taskId, num(event.detail?.attempt)).configFailure = true;
    } else if (event.type === 'intent' && event.step === 'merge' && event.taskId) {
      merging.set(event.taskId, at);
    } else if (
      (event.type === 'task_merged' || event.type === 'outcome') &&
      event.taskId &&
      merging.has(event.taskId)
    ) {
      if (event.type === 'task_merged' || event.step === 'merge') {
        add('merge', at - merging.get(event.taskId)!, event.taskId);
        merging.delete(event.taskId);
      }
    } else if (event.type === 'intent' && event.step === 'phase_commit') {
      phaseCommit = at;
    } else if (event.type === 'phase_committed' && phaseCommit !== null) {
      add('commit', at - phaseCommit);
      phaseCommit = null;
      ended(at);
    } else if (event.type === 'outcome' && event.step === 'teardown') {
      add('teardown', num(event.detail?.durationMs));
      ended(at);
    }
  }
  return log;
}
