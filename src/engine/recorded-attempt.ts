import type { AgentAdapter } from '../agents/adapter.js';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { MilestoneState } from '../core/projection.js';
import type { TaskSpec } from '../core/types.js';
import type { BudgetTracker } from './budget-tracker.js';
import { repoSlotsDir, repoWorktreeDir, runTrailer } from './naming.js';
import { guardRepo, isShellAgent } from './stray-refs.js';
import type { AttemptOutcome } from './task-attempt.js';
import { runAttempt } from './task-attempt.js';
import type { EngineOptions } from './types.js';

/** What an attempt needs of the run: its options, the store through `record`, the budget. */
export interface AttemptHost {
  options: Pick<
    EngineOptions,
    'repoRoot' | 'worktreeRoot' | 'attemptRunner' | 'graceMs' | 'budget' | 'config' | 'reporter'
  >;
  milestoneId: string;
  state: () => MilestoneState;
  /** The coordinator's one way to write: appends events and shows them. */
  record: (...events: MilestoneEvent[]) => StoredEvent[];
  budget: BudgetTracker;
  /** Checks the milestone's spending and halts the run when it is over. */
  checkMilestoneBudget: () => void;
  /** Agents already warned about reporting no cost (once per run). */
  costWarned: Set<string>;
}

/** One attempt: the task, the agent, where it runs and with what. */
export interface AttemptInput {
  task: TaskSpec;
  adapter: AgentAdapter;
  attempt: number;
  worktree: string;
  logFile: string;
  limits: { timeoutMs: number; verify: string | undefined };
  step: { env: Record<string, string>; startPoint: string; checkedOut?: string; ownPaths: string[] };
  resumeSessionId?: string | undefined;
  /** What stops the attempt besides its own budget: the run's stop (interrupt, crash), the budget's stop-running. */
  signals: AbortSignal[];
}

/**
 * One attempt of a task in a prepared worktree -> its outcome (agent, verify, commit, usage,
 * budget): the single place where a task runs, so another executor (a remote worker, through
 * `attemptRunner`) can take its place. The agent is guarded against leaving its task branch,
 * its events are recorded as they come, and its spending is held to the task's budget.
 */
export async function recordedAttempt(host: AttemptHost, input: AttemptInput): Promise<AttemptOutcome> {
  const { options, milestoneId: id, budget } = host;
  const { task, adapter, attempt, worktree } = input;
  const own = new AbortController();
  const before = host.state().tasks[task.id]!.usage;
  const taskLimit = options.budget.task;
  const remaining = budget.taskRemainingUsd(before);
  let overBudget: string | null = null;
  // The built-in shell agent runs the plan's own `run` command: only agents are guarded.
  const afterAgent = isShellAgent(adapter)
    ? undefined
    : await guardRepo(
        options.repoRoot,
        {
          milestoneId: id,
          worktreeDir: repoWorktreeDir(options.worktreeRoot, options.repoRoot, id),
          slotsDir: repoSlotsDir(options.worktreeRoot, options.repoRoot),
          worktree,
        },
        (reason) =>
          options.reporter.onLive?.({ type: 'note', level: 'warn', message: `${task.id}: ${reason}` }),
      );
  const outcome = await (options.attemptRunner ?? runAttempt)({
    ...(afterAgent && { afterAgent }),
    ...(input.resumeSessionId !== undefined && { resumeSessionId: input.resumeSessionId }),
    milestoneId: id,
    trailers: runTrailer(host.state().runId),
    task,
    verify: input.limits.verify,
    timeoutMs: input.limits.timeoutMs,
    graceMs: options.graceMs ?? 5000,
    attempt,
    worktree,
    logFile: input.logFile,
    adapter,
    signal: AbortSignal.any([...input.signals, own.signal]),
    ...(remaining !== undefined && { maxBudgetUsd: remaining }),
    ...input.step,
    commitType: host.state().plan.defaults.commitType ?? options.config.commit.type,
    onAgentEvent: (event) => {
      if (event.type === 'started' && event.pid !== null) {
        // The process group id, so a later run can stop it if this coordinator dies.
        host.record({
          type: 'intent',
          step: 'agent',
          taskId: task.id,
          detail: { pid: event.pid, attempt },
        });
      } else if (event.type === 'progress') {
        options.reporter.onLive?.({ type: 'agent_progress', taskId: task.id, message: event.message });
      } else if (event.type === 'session') {
        host.record({
          type: 'outcome',
          step: 'agent_session',
          taskId: task.id,
          ok: true,
          detail: { sessionId: event.sessionId, attempt },
        });
      } else if (event.type === 'usage') {
        budget.report(task.id, event.usage);
        const over = budget.taskOver(task.id, before, event.usage);
        if (over && !overBudget) {
          overBudget = over;
          own.abort();
        }
        host.checkMilestoneBudget();
      }
    },
  });
  budget.settle(task.id);
  host.record({
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
    host.record({ type: 'task_usage', taskId: task.id, attempt, usage });
  }
  if (
    usage.costUsd === null &&
    (taskLimit.costUsd !== null || options.budget.milestone.costUsd !== null) &&
    !host.costWarned.has(adapter.name)
  ) {
    host.costWarned.add(adapter.name);
    options.reporter.onLive?.({
      type: 'note',
      level: 'warn',
      message: `agent ${adapter.name} reports no cost: cost limits cannot hold it, token limits still do`,
    });
  }
  const after = budget.taskOver(task.id, before, usage);
  host.checkMilestoneBudget();
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
