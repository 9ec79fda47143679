import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentAdapter } from '../agents/adapter.js';
import type { Config } from '../config/config.js';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import { workOf } from '../core/graph.js';
import type { MilestoneState } from '../core/projection.js';
import type { MilestoneStatus, Mode, Phase, TaskSpec } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { blockingGate, gateMessage, gateState } from '../decision/gates.js';
import { ExitError, LockedError } from '../errors.js';
import {
  branchExists,
  createBranch,
  deleteBranch,
  gitExec,
  mergeInto,
  removeWorktree,
  revParse,
  updateRefCas,
} from '../git/git.js';
import type { Reporter } from '../report/reporter.js';
import type { Store } from '../store/store.js';
import { commitFilesOnto, landedOnBranch, trailerBlock } from './landing.js';
import { serialQueue } from './merge-queue.js';
import { attemptLogPath, milestoneBranch, TRAILER, taskBranch, taskWorktreePath } from './naming.js';
import { phaseRecordFiles } from './phase-record.js';
import { recoverMilestone } from './recovery.js';
import type { TaskOutcome } from './scheduler.js';
import { createScheduler } from './scheduler.js';
import type { AttemptOutcome } from './task-attempt.js';
import { runAttempt } from './task-attempt.js';
import { WorktreePool } from './worktree-pool.js';

/** Everything a run needs; the CLI builds it, tests may too. */
export interface EngineOptions {
  repoRoot: string;
  storeDir: string;
  store: Store;
  config: Config;
  milestoneId: string;
  mode: Mode;
  /** Phases to run, in order (all four, or the one `--phase` named). */
  phases: Phase[];
  concurrency: number;
  adapters: Map<string, AgentAdapter>;
  /** Agent for tasks that name none (overrides the plan default). */
  agentOverride?: string | undefined;
  reporter: Reporter;
  worktreeRoot: string;
  /** Aborted on SIGINT/SIGTERM: running agents stop gracefully, state is saved. */
  signal: AbortSignal;
  me: { pid: number; host: string };
  graceMs?: number;
  /** First retry waits this long, doubling each time (capped at 30 s). */
  retryBaseMs?: number;
  heartbeatMs?: number;
  leaseStaleMs?: number;
  isAlive: (pid: number) => boolean;
}

/** A task that stopped on a merge conflict, with what a person needs to resolve it. */
export interface ConflictReport {
  taskId: string;
  files: string[];
  branch: string;
  worktree: string;
}

/** How a run ended. */
export interface EngineResult {
  status: MilestoneStatus;
  interrupted: boolean;
  failed: Array<{ taskId: string; reason: string; log: string }>;
  conflicted: ConflictReport[];
  skipped: string[];
  /** Set when a phase stopped at a review gate. */
  pausedAt: Phase | null;
}

type TaskResult = { outcome: TaskOutcome; conflict?: ConflictReport; reason?: string; log?: string };

/**
 * Runs a planned milestone to its milestone branch: one phase after another, each task in its
 * own worktree (or one shared worktree in direct style), results landed through a serialized
 * merge queue, a phase commit after each phase. Holds the milestone's lease throughout.
 */
export async function runMilestone(options: EngineOptions): Promise<EngineResult> {
  const { store, milestoneId: id, me } = options;
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
  const lost = new AbortController();
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
    return await new Run(options, signal).execute();
  } finally {
    clearInterval(heartbeat);
    store.releaseLease(id, me);
  }
}

class Run {
  private readonly id: string;
  private readonly branch: string;
  private readonly queue = serialQueue();
  private readonly pool: WorktreePool;
  private readonly result: EngineResult = {
    status: 'executing',
    interrupted: false,
    failed: [],
    conflicted: [],
    skipped: [],
    pausedAt: null,
  };

  constructor(
    private readonly options: EngineOptions,
    private readonly signal: AbortSignal,
  ) {
    this.id = options.milestoneId;
    this.branch = milestoneBranch(options.milestoneId);
    this.pool = new WorktreePool(
      options.repoRoot,
      options.worktreeRoot,
      options.milestoneId,
      options.config.worktrees,
    );
  }

  private state(): MilestoneState {
    return this.options.store.state(this.id)!;
  }

  /** Appends events and shows each to the reporter. */
  private record(...events: MilestoneEvent[]): StoredEvent[] {
    const stored = this.options.store.append(this.id, events);
    for (const event of stored) this.options.reporter.onEvent?.(event);
    return stored;
  }

  async execute(): Promise<EngineResult> {
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
    });
    if (repairs.events.length) this.record(...repairs.events);
    for (const note of repairs.notes)
      this.options.reporter.onLive?.({ type: 'note', level: 'info', message: note });
    this.record({ type: 'milestone_status', status: 'executing' });

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
      const open = tasks.filter((t) => !this.state().tasks[t.id]!.merged);
      if (open.length > 0) {
        if (parallel) await this.runParallel(open);
        else await this.runDirect(open);
      }
      if (this.signal.aborted) break;
      if (tasks.some((t) => !this.state().tasks[t.id]!.merged)) {
        this.skipLaterPhases(phase);
        break;
      }
      await this.queue.run(() => this.phaseCommit(phase));
      if (gateState(this.state(), config, phase) === 'in_review') {
        this.result.pausedAt = phase;
        break;
      }
    }
    if (!this.result.pausedAt && !this.signal.aborted)
      this.result.pausedAt = blockingGate(this.state(), config);
    await this.queue.drain();
    await this.pool.removeAll();
    await this.deleteLandedBranches();
    return this.finish();
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
    if (this.signal.aborted) {
      this.result.interrupted = true;
      this.result.status = 'paused';
      this.record({
        type: 'milestone_status',
        status: 'paused',
        reason: 'interrupted; run execute again to resume',
      });
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

  private agentFor(task: TaskSpec): { name: string; adapter: AgentAdapter } {
    const name = task.agent ?? this.options.agentOverride ?? this.state().plan.defaults.agent;
    const adapter = this.options.adapters.get(name);
    if (!adapter)
      throw new ExitError('MILESTONE_AGENT_UNKNOWN', `task ${task.id}: agent "${name}" is not configured`);
    return { name, adapter };
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

  private async runParallel(tasks: TaskSpec[]): Promise<void> {
    const scheduler = this.scheduleFor(tasks, this.options.concurrency);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const running = new Map<string, Promise<{ id: string; result: TaskResult }>>();
    while (scheduler.hasTasks()) {
      if (!this.signal.aborted) {
        for (const id of scheduler.next()) {
          running.set(
            id,
            this.runParallelTask(byId.get(id)!).then((result) => ({ id, result })),
          );
        }
      }
      if (running.size === 0) break;
      const { id, result } = await Promise.race(running.values());
      running.delete(id);
      const { skipped } = scheduler.complete(id, result.outcome);
      this.recordSkipped(skipped, id);
    }
  }

  private retryDelay(attempt: number): number {
    return Math.min(30_000, (this.options.retryBaseMs ?? 1000) * 2 ** Math.max(0, attempt - 1));
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
   * A task that conflicted last time keeps its branch; a person resolves the conflict there, so
   * this run only merges it again (and reports the conflict again if it is still there).
   */
  private async resolvedConflict(task: TaskSpec): Promise<Promise<TaskResult> | null> {
    const { repoRoot, worktreeRoot } = this.options;
    const branch = taskBranch(this.id, task.id);
    if (this.state().tasks[task.id]!.status !== 'conflicted' || !(await branchExists(repoRoot, branch)))
      return null;
    const path = taskWorktreePath(worktreeRoot, repoRoot, this.id, task.id);
    return this.mergeTask(task, { slot: null, keepAt: path }, branch, this.state().tasks[task.id]!.attempts);
  }

  /** One task in its own worktree: attempts with backoff, then the merge queue. */
  private async runParallelTask(task: TaskSpec): Promise<TaskResult> {
    const { repoRoot, worktreeRoot } = this.options;
    const path = taskWorktreePath(worktreeRoot, repoRoot, this.id, task.id);
    const branch = taskBranch(this.id, task.id);
    const previous = this.state().tasks[task.id]!;
    const resolved = await this.resolvedConflict(task);
    if (resolved) return resolved;
    const { name, adapter } = this.agentFor(task);
    const limits = this.limits(task);
    for (let attempt = previous.attempts + 1; ; attempt++) {
      const log = attemptLogPath(this.options.storeDir, this.id, task.id, attempt);
      const head = (await revParse(repoRoot, `refs/heads/${this.branch}`))!;
      this.record({ type: 'task_status', taskId: task.id, status: 'running', attempt, agent: name });
      this.record({ type: 'intent', step: 'worktree', taskId: task.id, detail: { branch, head } });
      const slot = await this.pool.acquire(branch, head, {
        logFile: log,
        signal: this.signal,
        timeoutMs: limits.timeoutMs,
      });
      const outcome: AttemptOutcome = slot.setupError
        ? setupFailure(slot.setupError, this.signal.aborted)
        : await this.attempt(task, adapter, attempt, slot.path, log, limits);
      if (outcome.ok) return this.mergeTask(task, { slot: slot.path, keepAt: path }, branch, attempt);
      await this.pool.release(slot.path, { detach: true });
      await deleteBranch(repoRoot, branch, { force: true }).catch(() => undefined);
      if (outcome.canceled || this.signal.aborted) {
        this.record({ type: 'task_status', taskId: task.id, status: 'canceled', reason: 'interrupted' });
        return { outcome: 'canceled' };
      }
      if (outcome.retryable && attempt <= limits.retries) {
        const delay = this.retryDelay(attempt);
        this.record({
          type: 'task_status',
          taskId: task.id,
          status: 'ready',
          reason: `attempt ${attempt} failed (${outcome.reason}); retrying in ${Math.round(delay / 100) / 10}s`,
        });
        await sleep(delay, undefined, { signal: this.signal }).catch(() => undefined);
        if (this.signal.aborted) {
          this.record({ type: 'task_status', taskId: task.id, status: 'canceled', reason: 'interrupted' });
          return { outcome: 'canceled' };
        }
        continue;
      }
      const reason = outcome.reason ?? 'failed';
      this.record({
        type: 'task_status',
        taskId: task.id,
        status: 'failed',
        reason: `${reason} (log: ${log})`,
      });
      this.result.failed.push({ taskId: task.id, reason, log });
      return { outcome: 'failed', reason, log };
    }
  }

  private async attempt(
    task: TaskSpec,
    adapter: AgentAdapter,
    attempt: number,
    worktree: string,
    logFile: string,
    limits: { timeoutMs: number; verify: string | undefined },
  ): Promise<AttemptOutcome> {
    const outcome = await runAttempt({
      milestoneId: this.id,
      task,
      verify: limits.verify,
      timeoutMs: limits.timeoutMs,
      graceMs: this.options.graceMs ?? 5000,
      attempt,
      worktree,
      logFile,
      adapter,
      signal: this.signal,
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
        }
      },
    });
    this.record({
      type: 'outcome',
      step: 'agent',
      taskId: task.id,
      ok: outcome.ok,
      detail: { attempt, durationMs: outcome.durationMs, reason: outcome.reason },
    });
    const usage = outcome.usage;
    if (usage.inputTokens !== null || usage.outputTokens !== null || usage.costUsd !== null) {
      this.record({ type: 'task_usage', taskId: task.id, attempt, usage });
    }
    return outcome;
  }

  /** Lands a task's branch on the milestone branch through the serialized queue. */
  private mergeTask(
    task: TaskSpec,
    worktree: { slot: string | null; keepAt: string },
    branch: string,
    attempt: number,
  ): Promise<TaskResult> {
    return this.queue.run(async () => {
      const { repoRoot } = this.options;
      this.record({ type: 'intent', step: 'merge', taskId: task.id, detail: { branch, attempt } });
      const message = `Merge task ${task.id}: ${task.title}\n\n${trailerBlock({ [TRAILER.milestone]: this.id, [TRAILER.task]: task.id })}\n`;
      const merged = await mergeInto(repoRoot, {
        target: this.branch,
        source: `refs/heads/${branch}`,
        message,
      });
      if (!merged.merged) {
        // The worktree stays, on the task's branch, where the report tells a person to resolve it.
        if (worktree.slot) await this.pool.retire(worktree.slot, worktree.keepAt);
        const conflict: ConflictReport = {
          taskId: task.id,
          files: merged.conflicts,
          branch,
          worktree: worktree.keepAt,
        };
        this.record(
          {
            type: 'outcome',
            step: 'merge',
            taskId: task.id,
            ok: false,
            detail: { conflicts: merged.conflicts },
          },
          {
            type: 'task_status',
            taskId: task.id,
            status: 'conflicted',
            reason: `merge conflict in ${merged.conflicts.join(', ')}`,
          },
        );
        this.result.conflicted.push(conflict);
        return { outcome: 'conflicted', conflict };
      }
      this.record(
        { type: 'task_merged', taskId: task.id, commit: merged.commit },
        { type: 'task_status', taskId: task.id, status: 'succeeded', attempt },
        { type: 'outcome', step: 'merge', taskId: task.id, ok: true },
      );
      if (worktree.slot) await this.pool.release(worktree.slot);
      else {
        await removeWorktree(repoRoot, worktree.keepAt);
        await deleteBranch(repoRoot, branch, { force: true }).catch(() => undefined);
      }
      return { outcome: 'succeeded' };
    });
  }

  /** Direct style: tasks one at a time in dependency order, in one detached worktree. */
  private async runDirect(tasks: TaskSpec[]): Promise<void> {
    const scheduler = this.scheduleFor(tasks, 1);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    while (scheduler.hasTasks() && !this.signal.aborted) {
      const [id] = scheduler.next();
      if (!id) break;
      const outcome = await this.runDirectTask(byId.get(id)!);
      this.recordSkipped(scheduler.complete(id, outcome).skipped, id);
    }
  }

  private async runDirectTask(task: TaskSpec): Promise<TaskOutcome> {
    const { repoRoot } = this.options;
    const previous = this.state().tasks[task.id]!;
    const resolved = await this.resolvedConflict(task);
    if (resolved) return (await resolved).outcome;
    const { name, adapter } = this.agentFor(task);
    const limits = this.limits(task);
    for (let attempt = previous.attempts + 1; ; attempt++) {
      const log = attemptLogPath(this.options.storeDir, this.id, task.id, attempt);
      const head = (await revParse(repoRoot, `refs/heads/${this.branch}`))!;
      this.record({ type: 'task_status', taskId: task.id, status: 'running', attempt, agent: name });
      this.record({ type: 'intent', step: 'worktree', taskId: task.id, detail: { head } });
      // Released at once: direct mode holds one slot, reused by every task in turn.
      const slot = await this.pool.acquire(null, head, {
        logFile: log,
        signal: this.signal,
        timeoutMs: limits.timeoutMs,
      });
      await this.pool.release(slot.path);
      const outcome: AttemptOutcome = slot.setupError
        ? setupFailure(slot.setupError, this.signal.aborted)
        : await this.attempt(task, adapter, attempt, slot.path, log, limits);
      if (outcome.ok && outcome.commit) {
        // The commit's parent is the branch head: landing is a fast-forward, guarded by CAS.
        this.record({
          type: 'intent',
          step: 'merge',
          taskId: task.id,
          detail: { commit: outcome.commit, attempt },
        });
        if (!(await updateRefCas(repoRoot, this.branch, outcome.commit, head))) {
          throw new ExitError(
            'MILESTONE_BRANCH_MOVED',
            `${this.branch} moved during the run; another writer is active`,
          );
        }
        this.record(
          { type: 'task_merged', taskId: task.id, commit: outcome.commit },
          { type: 'task_status', taskId: task.id, status: 'succeeded', attempt },
          { type: 'outcome', step: 'merge', taskId: task.id, ok: true },
        );
        return 'succeeded';
      }
      if (outcome.canceled || this.signal.aborted) {
        this.record({ type: 'task_status', taskId: task.id, status: 'canceled', reason: 'interrupted' });
        return 'canceled';
      }
      if (outcome.retryable && attempt <= limits.retries) {
        const delay = this.retryDelay(attempt);
        this.record({
          type: 'task_status',
          taskId: task.id,
          status: 'ready',
          reason: `attempt ${attempt} failed (${outcome.reason}); retrying in ${Math.round(delay / 100) / 10}s`,
        });
        await sleep(delay, undefined, { signal: this.signal }).catch(() => undefined);
        continue;
      }
      const reason = outcome.reason ?? 'failed';
      this.record({
        type: 'task_status',
        taskId: task.id,
        status: 'failed',
        reason: `${reason} (log: ${log})`,
      });
      this.result.failed.push({ taskId: task.id, reason, log });
      return 'failed';
    }
  }

  /** The phase commit: the phase's record under `.milestones/<id>/`, with a phase trailer. */
  private async phaseCommit(phase: Phase): Promise<void> {
    const state = this.state();
    if (state.phaseCommits[phase]) return;
    const landed = await landedOnBranch(this.options.repoRoot, this.branch, state.base, this.id);
    const already = landed.phases.get(phase);
    if (already) {
      this.record({ type: 'phase_committed', phase, commit: already });
      return;
    }
    const template = this.options.config.commit.messages[phase];
    const subject = template.replaceAll('{title}', state.title).replaceAll('{id}', this.id);
    const tasks = state.plan.tasks.filter((t) => t.phase === phase);
    const body = tasks.map((t) => `- ${t.id}: ${t.title}`).join('\n');
    const message = `${subject}\n\n${body}\n\n${trailerBlock({ [TRAILER.milestone]: this.id, [TRAILER.phase]: phase })}\n`;
    this.record({ type: 'intent', step: 'phase_commit', detail: { phase } });
    const files = await phaseRecordFiles(this.options.repoRoot, state, phase);
    const commit = await commitFilesOnto(this.options.repoRoot, this.branch, files, message);
    this.record({ type: 'phase_committed', phase, commit });
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
  };
}

/** Phases in order, or just the one asked for. */
export function phasesToRun(only: Phase | undefined): Phase[] {
  return only ? [only] : [...PHASES];
}
