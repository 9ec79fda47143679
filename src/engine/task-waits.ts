import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import { removeWorktree } from '../git/git.js';
import type { LiveEvent } from '../report/reporter.js';
import { formatWait, parkDecision, QuotaBook, quotaReset, sleepUntil, windowNow } from './parking.js';
import { keptSession, keptWorktreeIntact, resumeWorktreePath } from './session-resume.js';
import type { AttemptOutcome } from './task-attempt.js';
import type { AcquiredSlot, WorktreePool } from './worktree-pool.js';

/** What the coordinator gives {@link TaskWaits}: the run's repository, pool, log and signal. */
export interface TaskWaitsContext {
  repoRoot: string;
  worktreeRoot: string;
  milestoneId: string;
  pool: WorktreePool;
  /** The run's abort signal (Ctrl-C): a parked task stops waiting and keeps its worktree. */
  signal: AbortSignal;
  maxWaitMs: number;
  record: (...events: MilestoneEvent[]) => void;
  events: () => StoredEvent[];
  live: (event: LiveEvent) => void;
}

/** Where a task's next attempt runs and which session it continues. */
export interface ResumePoint {
  /** The slot holding the task's kept work (still held by this run). */
  slot: AcquiredSlot;
  /** The agent session to continue; `null`: the worktree is kept but the agent starts fresh. */
  sessionId: string | null;
}

/** What to do after a failed attempt, as {@link TaskWaits.afterFailure} decided. */
export type AfterFailure =
  /** The quota opened again: run the next attempt (in the same worktree when it can resume). */
  | { kind: 'resume'; resume: ResumePoint | null; parkedSince: number; note: string }
  /** Interrupted (Ctrl-C): the worktree is kept for the next `execute` to resume the session. */
  | { kind: 'kept' }
  /** The reset is later than `--max-wait`: the attempt fails for good with this reason. */
  | { kind: 'give_up'; reason: string };

/**
 * Usage limits and interruptions, for the coordinator: parks a task whose agent is out of quota
 * (state `waiting` with the reset time) and resumes its session exactly once when the window
 * opens; sends tasks about to start to a fallback agent that still has quota; keeps an
 * interrupted task's worktree so the next run continues the agent's session there.
 */
export class TaskWaits {
  private readonly quota = new QuotaBook();
  private keptTasks: Set<string> | null = null;

  constructor(private readonly ctx: TaskWaitsContext) {}

  /**
   * The agent a task starts with: the first of its chain that still has quota (a fallback
   * configured for the agent, when the plan allows one), with a note saying why.
   */
  startAgent(chain: string[]): { index: number; note?: string } {
    const now = windowNow();
    const index = this.quota.firstOpen(chain, now);
    if (index === 0) return { index };
    const until = this.quota.closedUntil(chain[0]!, now)!;
    return {
      index,
      note: `fallback from ${chain[0]} (usage limit until ${new Date(until).toISOString()}) to ${chain[index]}`,
    };
  }

  /**
   * The worktree an earlier run kept for this task, taken into the pool, with the session to
   * continue: only for the same agent and when the worktree is intact on the task's branch.
   * Taken at most once (`resume_used` is recorded before the attempt runs).
   */
  async takeKept(taskId: string, agent: string, branch: string): Promise<ResumePoint | null> {
    // Which tasks an earlier run kept a session for, read once: reading the log per task made
    // every start cost O(events). A session is only kept when a run stops, never during it.
    this.keptTasks ??= new Set(
      this.ctx
        .events()
        .filter((e) => e.type === 'outcome' && e.step === 'resume_kept' && e.taskId)
        .map((e) => (e as { taskId: string }).taskId),
    );
    if (!this.keptTasks.has(taskId)) return null;
    const kept = keptSession(this.ctx.events(), taskId);
    if (!kept) return null;
    if (kept.agent !== agent || !(await keptWorktreeIntact(kept.path, branch))) {
      await removeWorktree(this.ctx.repoRoot, kept.path).catch(() => undefined);
      const why =
        kept.agent !== agent
          ? `the task now runs with ${agent}, not ${kept.agent}`
          : 'its worktree is gone or moved';
      this.ctx.record({ type: 'outcome', step: 'resume_dropped', taskId, ok: true, detail: { reason: why } });
      this.ctx.live({ type: 'note', level: 'info', message: `${taskId}: starting fresh (${why})` });
      return null;
    }
    const slot = await this.ctx.pool.adopt(kept.path);
    this.ctx.record({
      type: 'outcome',
      step: 'resume_used',
      taskId,
      ok: true,
      detail: { sessionId: kept.sessionId, agent, path: slot.path },
    });
    this.ctx.live({
      type: 'note',
      level: 'info',
      message: `${taskId}: resuming ${agent} session ${kept.sessionId} in its kept worktree`,
    });
    return { slot, sessionId: kept.sessionId };
  }

  /**
   * After a failed attempt whose worktree `slot` is still held: parks the task when its agent
   * is out of quota (and waits), keeps the worktree when the run was interrupted, or returns
   * `null` for the coordinator's usual retry and fallback rules.
   */
  async afterFailure(input: {
    taskId: string;
    agent: string;
    attempt: number;
    outcome: AttemptOutcome;
    slot: AcquiredSlot;
    branch: string | null;
    parkedSince: number | null;
    resumable: boolean;
  }): Promise<AfterFailure | null> {
    const { taskId, agent, outcome, branch } = input;
    const sessionId = input.resumable ? this.sessionOf(taskId, input.attempt) : null;
    if (this.ctx.signal.aborted)
      return branch && sessionId ? this.keep(taskId, agent, input.slot.path, sessionId) : null;
    const now = windowNow();
    const reset = quotaReset(outcome, now);
    if (reset === null) return null;
    // A reset already past once more after a park is no window that opened (an agent repeating
    // a stale reset): the usual retry rules, so it cannot run again and again.
    if (reset <= now && input.parkedSince !== null) return null;
    this.quota.exhaust(agent, reset);
    const parkedSince = input.parkedSince ?? now;
    const decision = parkDecision({
      agent,
      reason: outcome.reason ?? 'usage limit reached',
      until: reset,
      parkedSince,
      maxWaitMs: this.ctx.maxWaitMs,
    });
    if (!decision.park) return { kind: 'give_up', reason: decision.reason };
    const until = new Date(decision.until).toISOString();
    this.ctx.record({
      type: 'task_status',
      taskId,
      status: 'waiting',
      until,
      reason: `${agent} is out of quota until ${until} (${outcome.reason ?? 'usage limit'}); ${
        sessionId ? 'its session resumes then' : 'it runs again then'
      }`,
    });
    this.ctx.live({
      type: 'note',
      level: 'warn',
      message: `${taskId}: waiting for ${agent}'s quota until ${until} (at most ${formatWait(this.ctx.maxWaitMs)} in all); other tasks go on`,
    });
    await sleepUntil(decision.until, this.ctx.signal);
    if (this.ctx.signal.aborted)
      return branch && sessionId ? this.keep(taskId, agent, input.slot.path, sessionId) : null;
    return {
      kind: 'resume',
      parkedSince,
      resume: sessionId ? { slot: input.slot, sessionId } : null,
      note: `${agent}'s quota opened again${sessionId ? `; resuming session ${sessionId}` : ''}`,
    };
  }

  /** Moves the interrupted task's worktree aside (branch and files as they are) for the next run. */
  private async keep(
    taskId: string,
    agent: string,
    slot: string,
    sessionId: string,
  ): Promise<AfterFailure | null> {
    const path = resumeWorktreePath(this.ctx.worktreeRoot, this.ctx.repoRoot, this.ctx.milestoneId, taskId);
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      await this.ctx.pool.retire(slot, path);
    } catch (error) {
      // Keeping is a convenience: without it the next run starts the task fresh.
      this.ctx.live({
        type: 'note',
        level: 'warn',
        message: `${taskId}: could not keep its worktree for resuming: ${String(error)}`,
      });
      return null;
    }
    this.ctx.record({
      type: 'outcome',
      step: 'resume_kept',
      taskId,
      ok: true,
      detail: { path, sessionId, agent },
    });
    return { kind: 'kept' };
  }

  /** The session id the agent reported in this attempt, if it did. */
  private sessionOf(taskId: string, attempt: number): string | null {
    let found: string | null = null;
    for (const event of this.ctx.events()) {
      if (event.type !== 'outcome' || event.step !== 'agent_session' || event.taskId !== taskId) continue;
      if (event.detail?.attempt === attempt && typeof event.detail.sessionId === 'string')
        found = event.detail.sessionId;
    }
    return found;
  }
}
