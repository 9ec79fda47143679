import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentAdapter } from '../agents/adapter.js';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import { workOf } from '../core/graph.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase, TaskSpec } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { blockingGate, gateMessage, gateState } from '../decision/gates.js';
import { EXIT, ExitError, LockedError } from '../errors.js';
import { branchExists, createBranch, deleteBranch, gitExec, removeWorktree } from '../git/git.js';
import { autoMaintenance } from '../git/maintenance.js';
import { limitsFromConfig, withProcessLimits } from '../process/process-limits.js';
import { eventTail } from '../store/event-tail.js';
import { decideAfterFailure } from './attempt-policy.js';
import { BudgetTracker } from './budget-tracker.js';
import { resolveConflict } from './conflict-resolver.js';
import { remoteInterruptNote, remoteWorkNote } from './failure-text.js';
import { describeTaskGitWork } from './git-work-counts.js';
import { checkHandResolution } from './hand-resolution.js';
import { IntegrationChecks } from './integration/integration-checks.js';
import { Lander, type LandingSource } from './lander.js';
import { describeLandingPaths } from './landing-paths.js';
import {
  attemptLogPath,
  milestoneBranch,
  repoSlotsDir,
  repoWorktreeDir,
  runTrailer,
  taskBranch,
  taskWorktreePath,
} from './naming.js';
import { DEFAULT_MAX_WAIT_MS } from './parking.js';
import { recoverMilestone } from './recovery.js';
import type { TaskOutcome } from './scheduler.js';
import { createScheduler } from './scheduler.js';
import { keepFailedBranch, slotPrepared } from './slot-events.js';
import { SLOT_REFUSALS } from './slot-space.js';
import { stepEnv } from './step-env.js';
import { guardStore } from './store-guard.js';
import { guardRepo, isShellAgent } from './stray-refs.js';
import type { AttemptOutcome } from './task-attempt.js';
import { runAttempt } from './task-attempt.js';
import { type ResumePoint, TaskWaits } from './task-waits.js';
import type { ConflictReport, EngineOptions, EngineResult } from './types.js';
import { type AcquiredSlot, WorktreePool } from './worktree-pool.js';

type TaskResult = { outcome: TaskOutcome; conflict?: ConflictReport; reason?: string; log?: string };

/** What one task's attempts carry from one to the next (changed by a wait or the policy's decision). */
interface TaskRun {
  task: TaskSpec;
  /** The agents it may use, in order, and the one its next attempt uses. */
  chain: Array<{ name: string; adapter: AgentAdapter }>;
  agent: number;
  limits: { timeoutMs: number; retries: number; verify: string | undefined };
  /** The task branch; null in direct style. */
  branch: string | null;
  retries: number;
  /** Why the next attempt runs (a retry, a fallback, a resume): the reason of its `running` status. */
  note: string | undefined;
  parkedSince: number | null;
  /** The kept worktree and session the next attempt continues. */
  resume: ResumePoint | null;
}

/** An attempt's worktree and what it runs with. */
interface PreparedSlot {
  slot: AcquiredSlot;
  /** The milestone head the slot was prepared on. */
  head: string;
  log: string;
  env: Record<string, string>;
}

/** An attempt's outcome; `linksUnchanged`: its landing need not list leaving links again. */
type Ran = { outcome: AttemptOutcome; linksUnchanged: boolean };

export type { ConflictReport, EngineOptions, EngineResult } from './types.js';

/**
 * Runs a planned milestone to its milestone branch: one phase after another, each task in its
 * own worktree (or one shared worktree in direct style), results landed through a serialized
 * merge queue, a phase commit after each phase. Holds the milestone's lease throughout.
 */
export async function runMilestone(options: EngineOptions): Promise<EngineResult> {
  const { milestoneId: id, me } = options;
  const lost = new AbortController();
  // A write the disk refuses stops the run like a lost lease, with its own message (store-guard.ts).
  const guarded = guardStore(options.store, () => lost.abort(new Error('store write failed')));
  const store = guarded.store;
  const claim = store.acquireLease(id, me, {
    now: new Date(),
    staleAfterMs: options.leaseStaleMs ?? 15_000,
    isAlive: options.isAlive,
  });
  if (!claim.acquired) {
    throw new LockedError(
      `milestone ${id} is being executed by pid ${claim.holder.pid} on ${claim.holder.host} (since ${claim.holder.startedAt})`,
      claim.holder,
    );
  }
  const signal = AbortSignal.any([options.signal, lost.signal]);
  const heartbeat = setInterval(() => {
    if (!store.heartbeat(id, me, new Date())) lost.abort(new Error('lease lost'));
  }, options.heartbeatMs ?? 2000);
  heartbeat.unref();
  try {
    if (claim.tookOverFrom) {
      options.reporter.onLive?.({
        type: 'note',
        level: 'warn',
        message: `took over from a dead coordinator (pid ${claim.tookOverFrom.pid} on ${claim.tookOverFrom.host})`,
      });
    }
    // Log caps, runaway detection and the memory limit for every task process (process-limits.ts).
    const result = await withProcessLimits(limitsFromConfig(options.config.limits), () =>
      new Run({ ...options, store }, signal).execute(),
    ).catch((error: unknown) => {
      throw guarded.failureError(id, options.storeDir) ?? error;
    });
    const failure = guarded.failureError(id, options.storeDir);
    if (failure) throw failure;
    return result;
  } finally {
    clearInterval(heartbeat);
    store.releaseLease(id, me);
  }
}

class Run {
  private readonly id: string;
  private readonly branch: string;
  /** Every move of the milestone branch: merges, fast-forwards, phase commits (lander.ts). */
  private readonly lander: Lander;
  private readonly pool: WorktreePool;
  /** Set when no new task may start: the budget is spent or an agent cannot authenticate. */
  private halt: { code: string; message: string } | null = null;
  /** Aborted when the budget runs out and config says to stop running tasks too. */
  private readonly stopRunning = new AbortController();
  /** Spending so far, recorded and live (budget-tracker.ts). */
  private readonly budget: BudgetTracker;
  private readonly costWarned = new Set<string>();
  /** Usage-limit parking, quota fallback and session resume (task-waits.ts). */
  private readonly waits: TaskWaits;
  /** Integration checks on the combined tree (issue 10, `integration/`). */
  private readonly integration: IntegrationChecks;
  private readonly result: EngineResult = {
    status: 'executing',
    interrupted: false,
    failed: [],
    conflicted: [],
    skipped: [],
    pausedAt: null,
    halted: null,
  };

  /**
   * Run-wide stop: aborted by the caller (Ctrl-C, a lost lease) or when a task throws (see
   * `supervise`); every running task sees it and settles before the run ends.
   */
  private readonly signal: AbortSignal;
  private readonly abortRun = new AbortController();
  /** The task whose run threw (a git error in checkout or landing), with the error. */
  private crashed: Crash | null = null;

  constructor(
    private readonly options: EngineOptions,
    outer: AbortSignal,
  ) {
    const signal = AbortSignal.any([outer, this.abortRun.signal]);
    this.signal = signal;
    this.id = options.milestoneId;
    this.branch = milestoneBranch(options.milestoneId);
    this.budget = new BudgetTracker(
      options.budget,
      Object.values(options.store.state(options.milestoneId)!.tasks).map((t) => t.usage),
    );
    this.lander = new Lander({
      repoRoot: options.repoRoot,
      milestoneId: options.milestoneId,
      branch: this.branch,
      config: options.config,
      state: () => this.state(),
      record: (...events) => this.record(...events),
    });
    this.pool = new WorktreePool(options.repoRoot, options.worktreeRoot, {
      ...options.config.worktrees,
      minFreeBytes: options.config.limits.minFreeMb * 1024 * 1024,
    });
    this.waits = new TaskWaits({
      repoRoot: options.repoRoot,
      worktreeRoot: options.worktreeRoot,
      milestoneId: options.milestoneId,
      pool: this.pool,
      signal,
      maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      record: (...events) => this.record(...events),
      events: eventTail(options.store, this.id, ['outcome']),
      live: (event) => this.options.reporter.onLive?.(event),
    });
    this.integration = new IntegrationChecks({
      repoRoot: options.repoRoot,
      worktreeRoot: options.worktreeRoot,
      storeDir: options.storeDir,
      milestoneId: options.milestoneId,
      config: options.config,
      graceMs: options.graceMs ?? 5000,
      signal,
      state: () => this.state(),
      events: eventTail(options.store, this.id, ['intent', 'outcome', 'task_merged']),
      record: (...events) => this.record(...events),
      note: (level, message) => this.options.reporter.onLive?.({ type: 'note', level, message }),
      serialize: (job) => this.lander.serialize(job),
      head: () => this.lander.currentHead(),
      moved: (head) => this.lander.moved(head),
      pauseAt: process.env.MILESTONE_TEST_PAUSE_AT,
    });
    // Test hook: wait with the branch's ref prepared (locked, checked) but not committed.
    if (process.env.MILESTONE_TEST_PAUSE_AT === 'land_commit')
      this.lander.beforeCommit = async () => {
        options.reporter.onLive?.({ type: 'note', level: 'info', message: 'paused at land_commit' });
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      };
  }

  private state(): MilestoneState {
    return this.options.store.state(this.id)!;
  }

  /** Appends events and shows each to the reporter. */
  private record(...events: MilestoneEvent[]): StoredEvent[] {
    const stored = this.options.store.append(this.id, events);
    for (const event of stored) {
      if (event.type === 'task_usage') this.budget.add(event.usage);
      else if (event.type === 'task_merged') this.integration.taskLanded(event.taskId);
      this.options.reporter.onEvent?.(event);
    }
    return stored;
  }

  /**
   * The story of a run: the branch, recovery of what a dead run left, then phase after phase
   * (tasks, the phase commit, review gates), and whatever happens, the pool cleaned up before the
   * result is recorded. A task that threw ends the run failed, naming it, after every sibling
   * was stopped and recorded.
   */
  async execute(): Promise<EngineResult> {
    try {
      await this.runPhases();
    } finally {
      // Landings in flight finish (or fail) first; then slots let go of their branches.
      await this.lander.drain();
      await this.teardown().catch((error) => {
        this.options.reporter.onLive?.({
          type: 'note',
          level: 'warn',
          message: `cleaning up the worktree pool failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      });
      await this.lander.close();
      if (process.env.MILESTONE_DEBUG)
        for (const message of [describeLandingPaths(this.lander.paths), describeTaskGitWork()])
          this.options.reporter.onLive?.({ type: 'note', level: 'info', message });
    }
    const result = this.finish();
    if (this.crashed) throw crashError(this.crashed);
    return result;
  }

  private async runPhases(): Promise<void> {
    const { repoRoot } = this.options;
    let state = this.state();
    if (!(await branchExists(repoRoot, this.branch))) {
      this.record({
        type: 'intent',
        step: 'create_branch',
        detail: { branch: this.branch, base: state.base },
      });
      await createBranch(repoRoot, this.branch, state.base);
      this.record({ type: 'outcome', step: 'create_branch', ok: true });
    }
    const repairs = await recoverMilestone({
      repoRoot,
      worktreeRoot: this.options.worktreeRoot,
      state,
      events: this.options.store.events(this.id, { types: ['intent'] }),
      graceMs: this.options.graceMs ?? 5000,
      rerun: this.options.attemptRunner ? 'queue' : 'worktree',
    });
    if (repairs.events.length) this.record(...repairs.events);
    for (const note of repairs.notes)
      this.options.reporter.onLive?.({ type: 'note', level: 'info', message: note });
    this.record({ type: 'milestone_status', status: 'executing' });
    this.checkMilestoneBudget();

    state = this.state();
    const { config } = this.options;
    for (const phase of this.options.phases) {
      const tasks = state.plan.tasks.filter((t) => t.phase === phase);
      if (tasks.length === 0) continue;
      const blocked = blockingGate(this.state(), config);
      if (blocked && PHASES.indexOf(blocked) < PHASES.indexOf(phase)) {
        this.result.pausedAt = blocked;
        break;
      }
      const parallel =
        this.options.mode === 'agents' || (this.options.mode === 'hybrid' && phase === 'execute');
      let open = tasks.filter((t) => !this.state().tasks[t.id]!.merged);
      // Integration checks may revert landings: their tasks run again before the phase commit.
      for (;;) {
        if (open.length > 0) {
          if (parallel) await this.runParallel(open);
          else await this.runDirect(open);
        }
        if (this.signal.aborted) break;
        open = await this.integrationGate(phase, tasks);
        if (open.length === 0) break;
      }
      if (this.signal.aborted || this.crashed) break;
      if (
        tasks.some((t) => !this.state().tasks[t.id]!.merged) ||
        this.halt?.code === 'MILESTONE_INTEGRATION'
      ) {
        this.skipLaterPhases(phase);
        break;
      }
      await this.lander.phaseCommit(phase);
      if (gateState(this.state(), config, phase) === 'in_review') {
        this.result.pausedAt = phase;
        break;
      }
    }
    if (!this.result.pausedAt && !this.signal.aborted)
      this.result.pausedAt = blockingGate(this.state(), config);
  }

  /**
   * Slots let go of their branches and stay for the next run (extra ones are removed in the
   * background); landed task branches are deleted. Timed as the run's `teardown` step.
   */
  private async teardown(): Promise<void> {
    const started = performance.now();
    await this.integration.close();
    const slots = await this.pool.close();
    await this.deleteLandedBranches();
    // Task commits skip git's automatic maintenance; it runs once here (detached when it has work).
    await autoMaintenance(this.options.repoRoot);
    this.record({
      type: 'outcome',
      step: 'teardown',
      ok: true,
      detail: {
        durationMs: Math.round(performance.now() - started),
        kept: slots.kept,
        removing: slots.removing.length,
      },
    });
  }

  /** Task branches whose work is on the milestone branch, deleted in one git call. */
  private async deleteLandedBranches(): Promise<void> {
    const prefix = `${this.branch}.tasks/`;
    const { stdout } = await gitExec(this.options.repoRoot, [
      'for-each-ref',
      '--format=%(refname:short)',
      `refs/heads/${prefix}`,
    ]);
    const tasks = this.state().tasks;
    const landed = stdout.split('\n').filter((b) => b && tasks[b.slice(prefix.length)]?.merged);
    for (let i = 0; i < landed.length; i += 100) {
      await gitExec(this.options.repoRoot, ['branch', '-D', '-q', ...landed.slice(i, i + 100)]);
    }
  }

  /** A phase that did not complete keeps its barrier closed: later phases' tasks are skipped. */
  private skipLaterPhases(phase: Phase): void {
    const later = PHASES.slice(PHASES.indexOf(phase) + 1).filter((p) => this.options.phases.includes(p));
    const state = this.state();
    const skipped = state.plan.tasks.filter(
      (t) => later.includes(t.phase) && !state.tasks[t.id]!.merged && state.tasks[t.id]!.status !== 'skipped',
    );
    this.record(
      ...skipped.map((t) => ({
        type: 'task_status' as const,
        taskId: t.id,
        status: 'skipped' as const,
        reason: `phase ${phase} did not complete`,
      })),
    );
  }

  private finish(): EngineResult {
    const state = this.state();
    const requested = state.plan.tasks.filter((t) => this.options.phases.includes(t.phase));
    const all = state.plan.tasks.every((t) => state.tasks[t.id]!.merged);
    this.result.skipped = requested.filter((t) => state.tasks[t.id]!.status === 'skipped').map((t) => t.id);
    if (this.crashed) {
      this.result.status = 'failed';
      this.record({ type: 'milestone_status', status: 'failed', reason: crashReason(this.crashed) });
    } else if (this.signal.aborted) {
      this.result.interrupted = true;
      this.result.status = 'paused';
      this.record({
        type: 'milestone_status',
        status: 'paused',
        reason: 'interrupted; run execute again to resume',
      });
    } else if (
      this.halt &&
      (this.halt.code === 'MILESTONE_INTEGRATION' ||
        !(all && this.result.failed.length === 0 && !this.result.pausedAt))
    ) {
      // A halt that came after the last task landed changes nothing: the milestone completed.
      this.result.status = 'failed';
      this.result.halted = this.halt;
      this.record({ type: 'milestone_status', status: 'failed', reason: this.halt.message });
    } else if (this.result.failed.length > 0 || this.result.conflicted.length > 0) {
      this.result.status = 'failed';
      const parts = [
        this.result.failed.length ? `${this.result.failed.length} failed` : '',
        this.result.conflicted.length ? `${this.result.conflicted.length} conflicted` : '',
      ].filter(Boolean);
      this.record({ type: 'milestone_status', status: 'failed', reason: parts.join(', ') });
    } else if (this.result.pausedAt) {
      this.result.status = 'paused';
      this.record({
        type: 'milestone_status',
        status: 'paused',
        reason: gateMessage(state, this.options.config, this.result.pausedAt),
      });
    } else if (all) {
      this.result.status = 'completed';
      this.record({ type: 'milestone_status', status: 'completed' });
    } else {
      this.result.status = 'paused';
      this.record({
        type: 'milestone_status',
        status: 'paused',
        reason: `phase(s) ${this.options.phases.join(', ')} done`,
      });
    }
    return this.result;
  }

  /**
   * The agents a task may use, in order: its own (or the override, or the plan default), then
   * the configured fallbacks, keeping only those that are available.
   */
  private agentChain(task: TaskSpec): Array<{ name: string; adapter: AgentAdapter }> {
    const primary = task.agent ?? this.options.agentOverride ?? this.state().plan.defaults.agent;
    const names = [primary, ...(this.options.config.fallback[primary] ?? [])];
    const chain = names
      .filter((name, i) => names.indexOf(name) === i)
      .filter((name) => this.options.adapters.has(name) && (this.options.available?.has(name) ?? true))
      .map((name) => ({ name, adapter: this.options.adapters.get(name)! }));
    if (chain.length === 0) {
      throw new ExitError(
        'MILESTONE_AGENT_UNAVAILABLE',
        `task ${task.id}: no available agent among ${names.join(', ')}`,
      );
    }
    return chain;
  }

  private scheduleFor(tasks: TaskSpec[], concurrency: number) {
    const ids = new Set(tasks.map((t) => t.id));
    const work = workOf(tasks);
    // Needs on tasks outside this phase are met by the phase barrier, so they are dropped here.
    return createScheduler(
      tasks.map((t, i) => ({
        id: t.id,
        phase: t.phase,
        needs: t.needs.filter((n) => ids.has(n)),
        files: t.files,
        work: work[i]!,
      })),
      { concurrency },
    );
  }

  /** Marks dependents skipped after a failure, so independent work continues. */
  private recordSkipped(skipped: string[], cause: string): void {
    if (skipped.length === 0) return;
    this.record(
      ...skipped.map((taskId) => ({
        type: 'task_status' as const,
        taskId,
        status: 'skipped' as const,
        reason: `needs ${cause}, which did not land`,
      })),
    );
  }

  /** No new task starts once the run is interrupted or halted (budget spent, authentication failed). */
  private dispatching(): boolean {
    return !this.signal.aborted && this.halt === null;
  }

  private async runParallel(tasks: TaskSpec[]): Promise<void> {
    const scheduler = this.scheduleFor(tasks, this.options.concurrency);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const running = new Map<string, Promise<{ id: string; result: TaskResult }>>();
    while (scheduler.hasTasks()) {
      if (this.dispatching()) {
        for (const id of scheduler.next()) {
          running.set(
            id,
            this.supervise(byId.get(id)!, 'parallel').then((result) => ({ id, result })),
          );
        }
      }
      // After a crash nothing new starts, and the loop still waits for every running task.
      if (running.size === 0) break;
      const { id, result } = await Promise.race(running.values());
      running.delete(id);
      if (this.crashed && result.outcome === 'canceled') this.crashed.stopped.push(id);
      this.recordSkipped(scheduler.complete(id, result.outcome).skipped, id);
    }
  }

  /**
   * Runs one task and never throws: an error (a git failure in checkout or landing) is recorded
   * as the task's failure, and stops the whole run, so its siblings are stopped and recorded
   * before the run ends instead of running on against a closed store.
   */
  private async supervise(task: TaskSpec, style: 'parallel' | 'direct'): Promise<TaskResult> {
    try {
      return await this.runTask(task, style);
    } catch (error) {
      const reason = `engine error: ${error instanceof Error ? error.message : String(error)}`;
      if (!this.crashed) {
        this.crashed = { taskId: task.id, error, stopped: [] };
        this.abortRun.abort(error);
      }
      this.record({ type: 'task_status', taskId: task.id, status: 'failed', reason });
      this.result.failed.push({ taskId: task.id, reason, log: '' });
      return { outcome: 'failed', reason };
    }
  }

  /** Direct style: tasks one at a time in dependency order, in one worktree. */
  private async runDirect(tasks: TaskSpec[]): Promise<void> {
    const scheduler = this.scheduleFor(tasks, 1);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    while (scheduler.hasTasks() && this.dispatching()) {
      const [id] = scheduler.next();
      if (!id) break;
      const result = await this.supervise(byId.get(id)!, 'direct');
      this.recordSkipped(scheduler.complete(id, result.outcome).skipped, id);
    }
  }

  private limits(task: TaskSpec) {
    const defaults = this.state().plan.defaults;
    return {
      timeoutMs: task.timeoutMs ?? defaults.timeoutMs,
      retries: task.retries ?? defaults.retries,
      verify: task.verify ?? defaults.verify,
    };
  }

  /**
   * A task that conflicted last time keeps its branch; a person resolves the conflict there.
   * Their resolution passes the same checks as any attempt before it lands (see
   * `checkHandResolution`); a refused one stays `conflicted` with the reason.
   */
  private async resolvedConflict(task: TaskSpec): Promise<TaskResult | null> {
    const { repoRoot, worktreeRoot } = this.options;
    const branch = taskBranch(this.id, task.id);
    const known = this.state().tasks[task.id]!;
    if (known.status !== 'conflicted' || !(await branchExists(repoRoot, branch))) return null;
    const path = taskWorktreePath(worktreeRoot, repoRoot, this.id, task.id);
    const attempt = known.attempts + 1;
    const log = attemptLogPath(this.options.storeDir, this.id, task.id, attempt);
    const limits = this.limits(task);
    // The status stays `conflicted` during the check: a crash here must keep the person's work.
    this.record({ type: 'intent', step: 'hand_resolution', taskId: task.id, detail: { attempt, log } });
    this.options.reporter.onLive?.({
      type: 'note',
      level: 'info',
      message: `${task.id}: checking the hand-resolved conflict (log: ${log})`,
    });
    const check = await checkHandResolution({
      repoRoot,
      worktree: path,
      milestoneId: this.id,
      milestoneHead: await this.lander.currentHead(),
      taskBranch: branch,
      task,
      verify: limits.verify,
      timeoutMs: limits.timeoutMs,
      graceMs: this.options.graceMs ?? 5000,
      signal: this.signal,
      logFile: log,
    });
    this.record({
      type: 'outcome',
      step: 'hand_resolution',
      taskId: task.id,
      ok: check.ok,
      detail: { attempt, ...(!check.ok && { reason: check.reason, files: check.files }) },
    });
    if (!check.ok)
      return this.markConflicted(task, branch, path, check.files, {
        reason: `${check.reason} (log: ${log})`,
        attempt,
      });
    const merged = await this.lander.land(task, branch, attempt, {});
    if ('conflicts' in merged) return this.markConflicted(task, branch, path, merged.conflicts, { attempt });
    this.lander.landed(task, merged.commit, attempt);
    this.integration.landed(task);
    await removeWorktree(repoRoot, path);
    await deleteBranch(repoRoot, branch, { force: true }).catch(() => undefined);
    return { outcome: 'succeeded' };
  }

  /**
   * One task: attempts with backoff, falling back to the next agent when one fails in a way
   * retries cannot fix, then landing (merge queue in parallel style, fast-forward in direct).
   */
  private async runTask(task: TaskSpec, style: 'parallel' | 'direct'): Promise<TaskResult> {
    const resolved = await this.resolvedConflict(task);
    if (resolved) return resolved;
    const run = await this.startTask(task, style);
    for (let attempt = this.state().tasks[task.id]!.attempts + 1; ; attempt++) {
      const prepared = await this.prepareSlot(run, attempt);
      // No room for a worktree (slot-space.ts): the task never started; the run halts.
      if (!prepared) return this.canceled(task, 'not started: no disk space');
      const ran = await this.runInSlot(run, attempt, prepared);
      if (ran.outcome.ok && (run.branch || ran.outcome.commit)) return this.land(run, attempt, prepared, ran);
      const ended = await this.afterFailure(run, attempt, prepared, ran.outcome);
      if (ended) return ended;
    }
  }

  /**
   * What a task's attempts start from: its agents, limits and branch (none in direct style),
   * the retries already used, and a session an interrupted run kept.
   */
  private async startTask(task: TaskSpec, style: 'parallel' | 'direct'): Promise<TaskRun> {
    const chain = this.agentChain(task);
    const limits = this.limits(task);
    const branch = style === 'parallel' ? taskBranch(this.id, task.id) : null;
    // Usage limits and resuming (task-waits.ts): start with an agent that has quota, and
    // continue a session an interrupted run kept.
    const start = this.waits.startAgent(chain.map((c) => c.name));
    // Reverts by the integration checks count as retries.
    const retries = await this.integration.revertsOf(task.id);
    const resume = branch ? await this.waits.takeKept(task.id, chain[start.index]!.name, branch) : null;
    return {
      task,
      chain,
      limits,
      branch,
      agent: start.index,
      retries,
      note: start.note,
      parkedSince: null,
      resume,
    };
  }

  /**
   * Records the attempt running and gets its worktree: the kept one it resumes, or a slot of
   * the pool on the milestone's head. Null when the pool refused a slot (the run halts).
   */
  private async prepareSlot(run: TaskRun, attempt: number): Promise<PreparedSlot | null> {
    const { task, branch, resume } = run;
    const log = attemptLogPath(this.options.storeDir, this.id, task.id, attempt);
    const head = await this.lander.currentHead();
    // One append (one store transaction) for both.
    this.record(
      {
        type: 'task_status',
        taskId: task.id,
        status: 'running',
        attempt,
        agent: run.chain[run.agent]!.name,
        ...(run.note && { reason: run.note }),
      },
      { type: 'intent', step: 'worktree', taskId: task.id, detail: { branch, head } },
    );
    const env = {
      ...stepEnv({
        repoRoot: this.options.repoRoot,
        milestoneId: this.id,
        taskId: task.id,
        phase: task.phase,
        attempt,
      }),
      ...this.integration.feedback(task.id)?.env,
    };
    const slot = resume
      ? resume.slot
      : await this.pool
          .acquire(branch, head, { logFile: log, signal: this.signal, timeoutMs: run.limits.timeoutMs, env })
          .catch((error: unknown) => {
            const code = (error as { code?: string }).code ?? '';
            if (!SLOT_REFUSALS.has(code)) throw error;
            this.haltFor(code, (error as Error).message);
            return null;
          });
    if (!slot) return null;
    if (!resume) this.record(slotPrepared(task.id, attempt, slot));
    return { slot, head, log, env };
  }

  /** Runs the attempt in its prepared worktree (a failed setup is its outcome) and shows its warnings. */
  private async runInSlot(run: TaskRun, attempt: number, prepared: PreparedSlot): Promise<Ran> {
    const { slot, head, log, env } = prepared;
    const resume = run.resume;
    const outcome: AttemptOutcome = slot.setup.error
      ? setupFailure(slot.setup.error, this.signal.aborted)
      : await this.attempt(
          this.integration.withFeedback(run.task),
          run.chain[run.agent]!.adapter,
          attempt,
          slot.path,
          log,
          run.limits,
          {
            env: { ...env, MILESTONE_WORKTREE: slot.path, MILESTONE_SLOT: String(slot.slot) },
            startPoint: head,
            ...(!resume && { checkedOut: head }),
            ownPaths: slot.ownPaths,
          },
          resume?.sessionId ?? undefined,
        );
    // The commit sits on the head the slot was checked out at and adds no link leaving the
    // worktree: the landing's commit has the head's (known) leaving links, no `ls-files` for it.
    const linksUnchanged = !resume && outcome.parent === head && outcome.addsLeavingLink === false;
    run.resume = null;
    for (const warning of outcome.warnings ?? [])
      this.options.reporter.onLive?.({ type: 'note', level: 'warn', message: warning });
    return { outcome, linksUnchanged };
  }

  /** A good attempt lands: through the merge queue (parallel style) or by fast-forward (direct). */
  private async land(run: TaskRun, attempt: number, prepared: PreparedSlot, ran: Ran): Promise<TaskResult> {
    const { task, branch } = run;
    const { outcome, linksUnchanged } = ran;
    if (branch)
      return this.landParallel(task, prepared.slot.path, branch, attempt, run.limits, {
        ...(outcome.commit && { commit: outcome.commit }),
        parent: outcome.parent ?? null,
        linksUnchanged,
      });
    await this.pool.release(prepared.slot.path, { committed: true });
    await this.lander.fastForward(task, outcome.commit!, prepared.head, attempt, linksUnchanged);
    return { outcome: 'succeeded' };
  }

  /**
   * After an attempt that lands nothing: an agent out of quota or an interruption waits
   * (task-waits.ts); otherwise the policy decides. Null when the task goes on to its next attempt.
   */
  private async afterFailure(
    run: TaskRun,
    attempt: number,
    prepared: PreparedSlot,
    failed: AttemptOutcome,
  ): Promise<TaskResult | null> {
    const { task, branch } = run;
    const { slot } = prepared;
    const { name, adapter } = run.chain[run.agent]!;
    const wait = await this.waits.afterFailure({
      taskId: task.id,
      agent: name,
      attempt,
      outcome: failed,
      slot,
      branch,
      parkedSince: run.parkedSince,
      // A queue worker's session is not in the local worktree: nothing here resumes it.
      resumable: adapter.resumeArgs !== undefined && !failed.ranOn,
    });
    if (wait?.kind === 'kept')
      return this.canceled(task, 'interrupted; its session resumes on the next execute');
    if (wait?.kind === 'resume') {
      run.parkedSince = wait.parkedSince;
      run.resume = wait.resume;
      run.note = wait.note;
      if (!run.resume) await this.freeSlot(slot.path, branch);
      return null;
    }
    const outcome = wait?.kind === 'give_up' ? { ...failed, retryable: false, reason: wait.reason } : failed;
    return this.decide(run, attempt, prepared, outcome);
  }

  /**
   * The policy's decision after a failed attempt (attempt-policy.ts), carried out: the work kept
   * or the slot freed, then retry, fall back, cancel or fail. Null when another attempt follows.
   */
  private async decide(
    run: TaskRun,
    attempt: number,
    prepared: PreparedSlot,
    outcome: AttemptOutcome,
  ): Promise<TaskResult | null> {
    const { task, branch } = run;
    const { slot, log } = prepared;
    const decision = decideAfterFailure({
      outcome,
      agent: run.chain[run.agent]!.name,
      chain: run.chain.map((c) => c.name),
      agentIndex: run.agent,
      retries: run.retries,
      maxRetries: run.limits.retries,
      retryBaseMs: this.options.retryBaseMs ?? 1000,
      interrupted: this.signal.aborted,
      halted: this.halt?.message ?? null,
      crashed: this.crashed ? crashReason(this.crashed) : null,
    });
    // Work of a task that failed for good is kept for a person; otherwise the slot is freed.
    // An attempt that ran on a worker left nothing in the local slot: it keeps no branch here.
    const kept =
      decision.kind === 'fail' && branch && !outcome.ranOn
        ? await this.keepFailedWork(task, slot.path, outcome, slot.ownPaths)
        : null;
    if (!kept) await this.freeSlot(slot.path, branch);
    if (decision.kind === 'cancel')
      return this.canceled(
        task,
        `${decision.reason}${outcome.ranOn ? remoteInterruptNote(outcome.ranOn) : ''}`,
      );
    if (decision.kind === 'fallback') {
      run.agent = decision.agentIndex;
      run.note = decision.note;
      this.options.reporter.onLive?.({
        type: 'note',
        level: 'warn',
        message: `${task.id}: ${decision.note}`,
      });
      return null;
    }
    if (decision.kind === 'retry') {
      run.retries = decision.retries;
      run.note = decision.note;
      this.record({
        type: 'task_status',
        taskId: task.id,
        status: 'ready',
        reason: `attempt ${attempt} failed (${outcome.reason ?? 'failed'}); retrying in ${Math.round(decision.delayMs / 100) / 10}s`,
      });
      await sleep(decision.delayMs, undefined, { signal: this.signal }).catch(() => undefined);
      return this.signal.aborted ? this.canceled(task, 'interrupted') : null;
    }
    if (decision.halt) this.haltFor(decision.halt.code, decision.halt.message);
    const reason = decision.reason;
    this.record({
      type: 'task_status',
      taskId: task.id,
      status: 'failed',
      reason: `${reason} (log: ${log})${kept ? `; work kept on ${branch}${kept.worktree ? ` in ${kept.worktree}` : ''}` : ''}${outcome.ranOn ? remoteWorkNote(outcome.ranOn) : ''}`,
    });
    this.result.failed.push({ taskId: task.id, reason, log });
    return { outcome: 'failed', reason, log };
  }

  /** Records `task` canceled with `reason`: an attempt loop's end that is no failure of the task. */
  private canceled(task: TaskSpec, reason: string): TaskResult {
    this.record({ type: 'task_status', taskId: task.id, status: 'canceled', reason });
    return { outcome: 'canceled' };
  }

  /** Frees the slot of an attempt that leaves nothing to keep: detached, the task branch deleted. */
  private async freeSlot(path: string, branch: string | null): Promise<void> {
    await this.pool.release(path, { detach: true });
    if (branch) await deleteBranch(this.options.repoRoot, branch, { force: true }).catch(() => undefined);
  }

  /**
   * A task that failed for good keeps what it did: uncommitted changes become a commit on its
   * branch (no trailers: it never lands by itself), and with `keepFailed` its worktree is moved
   * out of the pool to `<worktrees>/<repo>/<id>/<task>`. Null when nothing could be kept.
   */
  private async keepFailedWork(
    task: TaskSpec,
    slot: string,
    outcome: AttemptOutcome,
    ownPaths: string[],
  ): Promise<{ worktree: string | null } | null> {
    const kept = await keepFailedBranch(slot, task, outcome.reason ?? 'failed', ownPaths).catch(() => false);
    if (!kept) return null;
    if (!this.options.keepFailed) {
      await this.pool.release(slot, { detach: true });
      return { worktree: null };
    }
    const keepAt = taskWorktreePath(this.options.worktreeRoot, this.options.repoRoot, this.id, task.id);
    await this.pool.retire(slot, keepAt);
    return { worktree: keepAt };
  }

  /** Stops new dispatches for a reason that retrying cannot fix; the run ends failed with it. */
  private haltFor(code: string, message: string): void {
    if (this.halt) return;
    this.halt = { code, message };
    this.options.reporter.onLive?.({
      type: 'note',
      level: 'warn',
      message: `no new tasks will start: ${message}`,
    });
    if (code === 'MILESTONE_BUDGET' && this.options.budget.onExceed === 'stop-running')
      this.stopRunning.abort();
  }

  /** Milestone spending so far, running attempts included. */
  private checkMilestoneBudget(): void {
    const over = this.budget.milestoneOver();
    if (over) this.haltFor('MILESTONE_BUDGET', over);
  }

  /**
   * One attempt of a task in a prepared worktree -> its outcome (agent, verify, commit, usage,
   * budget): the single place where a task runs, so another executor (a remote worker) can take
   * its place.
   */
  private async attempt(
    task: TaskSpec,
    adapter: AgentAdapter,
    attempt: number,
    worktree: string,
    logFile: string,
    limits: { timeoutMs: number; verify: string | undefined },
    step: { env: Record<string, string>; startPoint: string; ownPaths: string[] },
    resumeSessionId?: string,
  ): Promise<AttemptOutcome> {
    const own = new AbortController();
    const before = this.state().tasks[task.id]!.usage;
    const taskLimit = this.options.budget.task;
    const remaining = this.budget.taskRemainingUsd(before);
    let overBudget: string | null = null;
    // The built-in shell agent runs the plan's own `run` command: only agents are guarded.
    const afterAgent = isShellAgent(adapter)
      ? undefined
      : await guardRepo(
          this.options.repoRoot,
          {
            milestoneId: this.id,
            worktreeDir: repoWorktreeDir(this.options.worktreeRoot, this.options.repoRoot, this.id),
            slotsDir: repoSlotsDir(this.options.worktreeRoot, this.options.repoRoot),
            worktree,
          },
          (reason) =>
            this.options.reporter.onLive?.({ type: 'note', level: 'warn', message: `${task.id}: ${reason}` }),
        );
    const outcome = await (this.options.attemptRunner ?? runAttempt)({
      ...(afterAgent && { afterAgent }),
      ...(resumeSessionId !== undefined && { resumeSessionId }),
      milestoneId: this.id,
      trailers: runTrailer(this.state().runId),
      task,
      verify: limits.verify,
      timeoutMs: limits.timeoutMs,
      graceMs: this.options.graceMs ?? 5000,
      attempt,
      worktree,
      logFile,
      adapter,
      signal: AbortSignal.any([this.signal, this.stopRunning.signal, own.signal]),
      ...(remaining !== undefined && { maxBudgetUsd: remaining }),
      ...step,
      commitType: this.state().plan.defaults.commitType ?? this.options.config.commit.type,
      onAgentEvent: (event) => {
        if (event.type === 'started' && event.pid !== null) {
          // The process group id, so a later run can stop it if this coordinator dies.
          this.record({
            type: 'intent',
            step: 'agent',
            taskId: task.id,
            detail: { pid: event.pid, attempt },
          });
        } else if (event.type === 'progress') {
          this.options.reporter.onLive?.({ type: 'agent_progress', taskId: task.id, message: event.message });
        } else if (event.type === 'session') {
          this.record({
            type: 'outcome',
            step: 'agent_session',
            taskId: task.id,
            ok: true,
            detail: { sessionId: event.sessionId, attempt },
          });
        } else if (event.type === 'usage') {
          this.budget.report(task.id, event.usage);
          const over = this.budget.taskOver(task.id, before, event.usage);
          if (over && !overBudget) {
            overBudget = over;
            own.abort();
          }
          this.checkMilestoneBudget();
        }
      },
    });
    this.budget.settle(task.id);
    this.record({
      type: 'outcome',
      step: 'agent',
      taskId: task.id,
      ok: outcome.ok,
      detail: {
        attempt,
        durationMs: outcome.durationMs,
        reason: outcome.reason,
        steps: outcome.steps,
        ...(outcome.failureKind !== undefined && { failureKind: outcome.failureKind }),
        ...(outcome.configError && { configError: true }),
        ...(outcome.adopted && { adopted: outcome.adopted }),
      },
    });
    const usage = outcome.usage;
    if (usage.inputTokens !== null || usage.outputTokens !== null || usage.costUsd !== null) {
      this.record({ type: 'task_usage', taskId: task.id, attempt, usage });
    }
    if (
      usage.costUsd === null &&
      (taskLimit.costUsd !== null || this.options.budget.milestone.costUsd !== null) &&
      !this.costWarned.has(adapter.name)
    ) {
      this.costWarned.add(adapter.name);
      this.options.reporter.onLive?.({
        type: 'note',
        level: 'warn',
        message: `agent ${adapter.name} reports no cost: cost limits cannot hold it, token limits still do`,
      });
    }
    const after = this.budget.taskOver(task.id, before, usage);
    this.checkMilestoneBudget();
    if (overBudget || (after && !outcome.ok)) {
      return {
        ...outcome,
        ok: false,
        canceled: false,
        retryable: false,
        stop: 'budget',
        reason: overBudget ?? after,
      };
    }
    if (!outcome.ok && outcome.failureKind === 'auth') return { ...outcome, stop: 'auth' };
    return outcome;
  }

  private markConflicted(
    task: TaskSpec,
    branch: string,
    worktree: string,
    files: string[],
    options: { reason?: string; attempt?: number } = {},
  ): TaskResult {
    this.record({
      type: 'task_status',
      taskId: task.id,
      status: 'conflicted',
      reason: options.reason ?? `merge conflict in ${files.join(', ')}`,
      ...(options.attempt !== undefined && { attempt: options.attempt }),
    });
    const conflict: ConflictReport = {
      taskId: task.id,
      files,
      branch,
      worktree,
      ...(options.reason !== undefined && { reason: options.reason }),
    };
    this.result.conflicted.push(conflict);
    return { outcome: 'conflicted', conflict };
  }

  /**
   * Parallel landing: the merge queue; on a conflict the resolver agent (when configured) gets
   * one try in the task's worktree; if the conflict stands, the worktree is kept for a person.
   */
  private async landParallel(
    task: TaskSpec,
    slot: string,
    branch: string,
    attempt: number,
    limits: { timeoutMs: number; verify: string | undefined },
    source: LandingSource,
  ): Promise<TaskResult> {
    let merged = await this.lander.land(task, branch, attempt, source);
    const resolver = this.options.config.resolver.agent;
    if ('conflicts' in merged && resolver && this.dispatching()) {
      const adapter = this.options.adapters.get(resolver);
      if (adapter && (this.options.available?.has(resolver) ?? true)) {
        const conflicts = merged.conflicts;
        this.record({
          type: 'intent',
          step: 'resolve',
          taskId: task.id,
          detail: { agent: resolver, files: conflicts },
        });
        const resolution = await resolveConflict({
          worktree: slot,
          milestoneId: this.id,
          trailers: runTrailer(this.state().runId),
          milestoneBranch: this.branch,
          task,
          files: conflicts,
          verify: limits.verify,
          adapter,
          attempt,
          logFile: attemptLogPath(this.options.storeDir, this.id, task.id, attempt).replace(
            /\.log$/,
            '-resolve.log',
          ),
          timeoutMs: limits.timeoutMs,
          graceMs: this.options.graceMs ?? 5000,
          signal: AbortSignal.any([this.signal, this.stopRunning.signal]),
          onAgentEvent: (event) => {
            if (event.type === 'progress')
              this.options.reporter.onLive?.({
                type: 'agent_progress',
                taskId: task.id,
                message: `resolver: ${event.message}`,
              });
          },
        });
        if (
          resolution.usage.inputTokens !== null ||
          resolution.usage.costUsd !== null ||
          resolution.usage.outputTokens !== null
        ) {
          this.record({ type: 'task_usage', taskId: task.id, attempt, usage: resolution.usage });
        }
        this.record({
          type: 'outcome',
          step: 'resolve',
          taskId: task.id,
          ok: resolution.ok,
          detail: { agent: resolver, files: conflicts, reason: resolution.reason },
        });
        if (resolution.ok) merged = await this.lander.land(task, branch, attempt, {});
        else
          this.options.reporter.onLive?.({
            type: 'note',
            level: 'warn',
            message: `${task.id}: the resolver could not resolve the conflict: ${resolution.reason}`,
          });
      }
    }
    if ('conflicts' in merged) {
      // The worktree stays, on the task's branch, where the report tells a person to resolve it.
      const keepAt = taskWorktreePath(this.options.worktreeRoot, this.options.repoRoot, this.id, task.id);
      await this.pool.retire(slot, keepAt);
      return this.markConflicted(task, branch, keepAt, merged.conflicts);
    }
    this.lander.landed(task, merged.commit, attempt);
    this.integration.landed(task);
    await this.pool.release(slot, { committed: true });
    return { outcome: 'succeeded' };
  }

  /**
   * After a phase's tasks ran: tasks the integration checks reverted meanwhile run again;
   * once all landed, the phase gate (final check, intent re-check) decides. Returns the tasks
   * to run again, none when the phase may be committed (or cannot be: `halt`).
   */
  private async integrationGate(phase: Phase, tasks: TaskSpec[]): Promise<TaskSpec[]> {
    const again = this.integration.takeRequeued();
    if (again.length === 0 && tasks.every((t) => this.state().tasks[t.id]!.merged)) {
      const gate = await this.integration.beforePhaseCommit(phase);
      this.result.failed.push(...gate.failed);
      if (gate.reason) this.haltFor('MILESTONE_INTEGRATION', gate.reason);
      again.push(...gate.requeued);
    }
    return tasks.filter((t) => again.includes(t.id) && !this.state().tasks[t.id]!.merged);
  }
}

function setupFailure(reason: string, canceled: boolean): AttemptOutcome {
  const usage = { inputTokens: null, outputTokens: null, costUsd: null };
  return {
    ok: false,
    reason,
    retryable: true,
    timedOut: false,
    canceled,
    usage,
    commit: null,
    durationMs: 0,
    failureKind: 'setup',
  };
}

/** A task whose run threw, the error, and the running tasks the run stopped because of it. */
interface Crash {
  taskId: string;
  error: unknown;
  stopped: string[];
}

function crashReason(crash: Crash): string {
  const why = crash.error instanceof Error ? crash.error.message : String(crash.error);
  return `task ${crash.taskId} failed with an engine error: ${why}`;
}

/** What the CLI reports when a task threw: which task, why, and what became of the others. */
function crashError(crash: Crash): ExitError {
  const stopped = crash.stopped.length
    ? `; stopped ${crash.stopped.length} running task(s) (${crash.stopped.join(', ')})`
    : '';
  return new ExitError(
    'MILESTONE_RUN_CRASHED',
    `${crashReason(crash)}${stopped}; fix the cause, then run execute again to resume`,
    EXIT.failed,
    { cause: crash.error },
  );
}

/** Phases in order, or just the one asked for. */
export function phasesToRun(only: Phase | undefined): Phase[] {
  return only ? [only] : [...PHASES];
}
