import type { AgentAdapter } from '../agents/adapter.js';
import type { Config } from '../config/config.js';
import type { MilestoneStatus, Mode, Phase } from '../core/types.js';
import type { Reporter } from '../report/reporter.js';
import type { Store } from '../store/store.js';
import type { Limit } from './budget.js';
import type { AttemptOutcome, AttemptRequest } from './task-attempt.js';

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
  /** A task that fails for good keeps its worktree (moved out of the pool) besides its branch. */
  keepFailed?: boolean;
  /** First retry waits this long, doubling each time (capped at 30 s). */
  retryBaseMs?: number;
  /**
   * Longest a task waits, parked, for its agent's usage limit to reset (`--max-wait`); past it
   * the task fails with the reason. Default 5 hours (Claude's usage window).
   */
  maxWaitMs?: number;
  heartbeatMs?: number;
  leaseStaleMs?: number;
  isAlive: (pid: number) => boolean;
  /** Agents whose probe succeeded; absent = every configured adapter counts as available. */
  available?: Set<string>;
  /** Spending limits (config `budget`, overridden by flags). */
  budget: { task: Limit; milestone: Limit; onExceed: 'finish-running' | 'stop-running' };
  /**
   * Runs one attempt in place of the in-process `runAttempt` (`execute --queue`: a worker runs
   * it and its commit is fetched into the attempt's worktree; see src/distributed/).
   */
  attemptRunner?: (request: AttemptRequest) => Promise<AttemptOutcome>;
}

/** A task that stopped on a merge conflict, with what a person needs to resolve it. */
export interface ConflictReport {
  taskId: string;
  files: string[];
  branch: string;
  worktree: string;
  /** Why a person's resolution was refused (markers, verify, not committed); absent for a plain conflict. */
  reason?: string;
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
  /** Why no new task was started (budget spent, authentication failed), if that happened. */
  halted: { code: string; message: string } | null;
}
