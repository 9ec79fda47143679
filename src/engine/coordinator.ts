import { setTimeout as sleep } from 'node:timers/promises';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase, TaskSpec } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { blockingGate, gateState } from '../decision/gates.js';
import { LockedError } from '../errors.js';
import { limitsFromConfig, withProcessLimits } from '../process/process-limits.js';
import { eventTail } from '../store/event-tail.js';
import { decideAfterFailure } from './attempt-policy.js';
import { BudgetTracker } from './budget-tracker.js';
import { remoteInterruptNote, remoteWorkNote } from './failure-text.js';
import { describeTaskGitWork } from './git-work-counts.js';
import { IntegrationChecks } from './integration/integration-checks.js';
import { Lander } from './lander.js';
import { describeLandingPaths } from './landing-paths.js';
import { attemptLogPath, milestoneBranch, taskBranch, taskWorktreePath } from './naming.js';
import { type BranchLanding, landHandResolved, landParallel } from './parallel-landing.js';
import { DEFAULT_MAX_WAIT_MS } from './parking.js';
import {
  dependentSkips,
  gateBefore,
  laterPhaseSkips,
  phaseSchedule,
  runsInParallel,
} from './phase-barrier.js';
import { type AttemptHost, recordedAttempt } from './recorded-attempt.js';
import { type Crash, crashError, crashReason, runEnding } from './run-ending.js';
import type { RunHost } from './run-host.js';
import { startRun } from './run-start.js';
import { teardownRun } from './run-teardown.js';
import { freeSlot, keepFailedWork, slotPrepared } from './slot-events.js';
import { SLOT_REFUSALS } from './slot-space.js';
import { stepEnv } from './step-env.js';
import { guardStore } from './store-guard.js';
import type { AttemptOutcome } from './task-attempt.js';
import {
  agentChain,
  type PreparedSlot,
  type Ran,
  setupFailure,
  type TaskResult,
  type TaskRun,
  taskLimits,
} from './task-run.js';
import { TaskWaits } from './task-waits.js';
import type { ConflictReport, EngineOptions, EngineResult } from './types.js';
import { WorktreePool } from './worktree-pool.js';

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
  /** What the run's parts need of it: landing, the run's start and teardown (run-host.ts). */
  private readonly host: RunHost;
  /** What each attempt needs of the run (recorded-attempt.ts). */
  private readonly attemptHost: AttemptHost;
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
    this.attemptHost = {
      options,
      milestoneId: this.id,
      state: () => this.state(),
      record: (...events) => this.record(...events),
      budget: this.budget,
      checkMilestoneBudget: () => this.checkMilestoneBudget(),
      costWarned: new Set(),
    };
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
    this.host = {
      repoRoot: this.options.repoRoot,
      worktreeRoot: this.options.worktreeRoot,
      storeDir: this.options.storeDir,
      milestoneId: this.id,
      branch: this.branch,
      graceMs: this.options.graceMs ?? 5000,
      resolver: this.options.config.resolver.agent ?? null,
      adapters: this.options.adapters,
      available: this.options.available,
      reporter: this.options.reporter,
      lander: this.lander,
      pool: this.pool,
      integration: this.integration,
      state: () => this.state(),
      record: (...events) => this.record(...events),
      dispatching: () => this.dispatching(),
    };
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
      await startRun({
        ...this.host,
        store: this.options.store,
        rerun: this.options.attemptRunner ? 'queue' : 'worktree',
      });
      this.record({ type: 'milestone_status', status: 'executing' });
      this.checkMilestoneBudget();
      await this.runPhases();
    } finally {
      // Landings in flight finish (or fail) first; then slots let go of their branches.
      await this.lander.drain();
      await teardownRun(this.host).catch((error) => {
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

  /**
   * Phase after phase: a review gate still closed before it pauses the run; its tasks run (in
   * parallel or one at a time), the integration checks may send some back, and once all landed
   * the phase is committed. A phase that did not complete skips the later ones.
   */
  private async runPhases(): Promise<void> {
    const { config } = this.options;
    const state = this.state();
    for (const phase of this.options.phases) {
      const tasks = state.plan.tasks.filter((t) => t.phase === phase);
      if (tasks.length === 0) continue;
      const blocked = gateBefore(this.state(), config, phase);
      if (blocked) {
        this.result.pausedAt = blocked;
        break;
      }
      const parallel = runsInParallel(this.options.mode, phase);
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
        this.record(...laterPhaseSkips(this.state(), this.options.phases, phase));
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

  /** How the run ended (run-ending.ts), recorded. */
  private finish(): EngineResult {
    const state = this.state();
    const requested = state.plan.tasks.filter((t) => this.options.phases.includes(t.phase));
    this.result.skipped = requested.filter((t) => state.tasks[t.id]!.status === 'skipped').map((t) => t.id);
    const ending = runEnding({
      state,
      config: this.options.config,
      phases: this.options.phases,
      crashed: this.crashed,
      interrupted: this.signal.aborted,
      halt: this.halt,
      failed: this.result.failed.length,
      conflicted: this.result.conflicted.length,
      pausedAt: this.result.pausedAt,
    });
    this.result.status = ending.status;
    if (ending.interrupted) this.result.interrupted = true;
    if (ending.halted) this.result.halted = ending.halted;
    this.record(ending.event);
    return this.result;
  }

  /** No new task starts once the run is interrupted or halted (budget spent, authentication failed). */
  private dispatching(): boolean {
    return !this.signal.aborted && this.halt === null;
  }

  /** Parallel style: tasks in their own worktrees, as many at once as the schedule allows. */
  private async runParallel(tasks: TaskSpec[]): Promise<void> {
    const scheduler = phaseSchedule(tasks, this.options.concurrency);
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

  /** Direct style: tasks one at a time in dependency order, in one worktree. */
  private async runDirect(tasks: TaskSpec[]): Promise<void> {
    const scheduler = phaseSchedule(tasks, 1);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    while (scheduler.hasTasks() && this.dispatching()) {
      const [id] = scheduler.next();
      if (!id) break;
      const result = await this.supervise(byId.get(id)!, 'direct');
      this.recordSkipped(scheduler.complete(id, result.outcome).skipped, id);
    }
  }

  /** Marks dependents skipped after a failure, so independent work continues. */
  private recordSkipped(skipped: string[], cause: string): void {
    if (skipped.length > 0) this.record(...dependentSkips(skipped, cause));
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

  /**
   * One task: a conflict a person resolved lands first; otherwise attempts with backoff, falling
   * back to the next agent when one fails in a way retries cannot fix, then landing (merge queue
   * in parallel style, fast-forward in direct).
   */
  private async runTask(task: TaskSpec, style: 'parallel' | 'direct'): Promise<TaskResult> {
    const byHand = await landHandResolved(this.host, { task, signal: this.signal });
    if (byHand) return this.landedOr(task, taskBranch(this.id, task.id), byHand);
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
    const chain = agentChain(task, {
      defaultAgent: this.state().plan.defaults.agent,
      agentOverride: this.options.agentOverride,
      fallback: this.options.config.fallback,
      adapters: this.options.adapters,
      available: this.options.available,
    });
    const limits = taskLimits(task, this.state().plan.defaults);
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
      : await recordedAttempt(this.attemptHost, {
          task: this.integration.withFeedback(run.task),
          adapter: run.chain[run.agent]!.adapter,
          attempt,
          worktree: slot.path,
          logFile: log,
          limits: run.limits,
          step: {
            env: { ...env, MILESTONE_WORKTREE: slot.path, MILESTONE_SLOT: String(slot.slot) },
            startPoint: head,
            ...(!resume && { checkedOut: head }),
            ownPaths: slot.ownPaths,
          },
          resumeSessionId: resume?.sessionId ?? undefined,
          signals: [this.signal, this.stopRunning.signal],
        });
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
      return this.landedOr(
        task,
        branch,
        await landParallel(this.host, {
          task,
          slot: prepared.slot.path,
          branch,
          attempt,
          limits: run.limits,
          source: {
            ...(outcome.commit && { commit: outcome.commit }),
            parent: outcome.parent ?? null,
            linksUnchanged,
          },
          // Made only when the resolver runs: most landings need no signal.
          signal: () => AbortSignal.any([this.signal, this.stopRunning.signal]),
        }),
      );
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
      if (!run.resume) await freeSlot(this.pool, this.options.repoRoot, slot.path, branch);
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
    // Direct style works detached: the work is kept on the task's branch all the same.
    const keepOn =
      decision.kind === 'fail' && !outcome.ranOn ? (branch ?? taskBranch(this.id, task.id)) : null;
    const kept = keepOn
      ? await keepFailedWork(this.pool, {
          task,
          slot: slot.path,
          reason: outcome.reason ?? 'failed',
          ownPaths: slot.ownPaths,
          keepAt: this.options.keepFailed
            ? taskWorktreePath(this.options.worktreeRoot, this.options.repoRoot, this.id, task.id)
            : null,
          newBranch: branch ? undefined : keepOn,
        })
      : null;
    if (!kept) await freeSlot(this.pool, this.options.repoRoot, slot.path, branch ?? keepOn);
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
      reason: `${reason} (log: ${log})${kept ? `; work kept on ${keepOn}${kept.worktree ? ` in ${kept.worktree}` : ''}` : ''}${outcome.ranOn ? remoteWorkNote(outcome.ranOn) : ''}`,
    });
    this.result.failed.push({ taskId: task.id, reason, log });
    return { outcome: 'failed', reason, log };
  }

  /** Records `task` canceled with `reason`: an attempt loop's end that is no failure of the task. */
  private canceled(task: TaskSpec, reason: string): TaskResult {
    this.record({ type: 'task_status', taskId: task.id, status: 'canceled', reason });
    return { outcome: 'canceled' };
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
   * A task branch's landing, carried into the run's result: landed, or conflicted (recorded,
   * and reported with what a person needs to resolve it).
   */
  private landedOr(task: TaskSpec, branch: string, landing: BranchLanding): TaskResult {
    if (landing.landed) return { outcome: 'succeeded' };
    this.record({
      type: 'task_status',
      taskId: task.id,
      status: 'conflicted',
      reason: landing.reason ?? `merge conflict in ${landing.files.join(', ')}`,
      ...(landing.attempt !== undefined && { attempt: landing.attempt }),
    });
    const conflict: ConflictReport = {
      taskId: task.id,
      files: landing.files,
      branch,
      worktree: landing.worktree,
      ...(landing.reason !== undefined && { reason: landing.reason }),
    };
    this.result.conflicted.push(conflict);
    return { outcome: 'conflicted', conflict };
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

/** Phases in order, or just the one asked for. */
export function phasesToRun(only: Phase | undefined): Phase[] {
  return only ? [only] : [...PHASES];
}
