import type { AgentAdapter } from '../agents/adapter.js';
import type { PlanDefaults, TaskSpec } from '../core/types.js';
import { ExitError } from '../errors.js';
import type { TaskOutcome } from './scheduler.js';
import type { AttemptOutcome } from './task-attempt.js';
import type { ResumePoint } from './task-waits.js';
import type { ConflictReport } from './types.js';
import type { AcquiredSlot } from './worktree-pool.js';

/** How one task's run ended, for the scheduler and the failure report. */
export type TaskResult = { outcome: TaskOutcome; conflict?: ConflictReport; reason?: string; log?: string };

/** A task's time limit, retries and verify command: its own, else the plan's defaults. */
export interface TaskLimits {
  timeoutMs: number;
  retries: number;
  verify: string | undefined;
}

/** What one task's attempts carry from one to the next (changed by a wait or the policy's decision). */
export interface TaskRun {
  task: TaskSpec;
  /** The agents it may use, in order, and the one its next attempt uses. */
  chain: Array<{ name: string; adapter: AgentAdapter }>;
  agent: number;
  limits: TaskLimits;
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
export interface PreparedSlot {
  slot: AcquiredSlot;
  /** The milestone head the slot was prepared on. */
  head: string;
  log: string;
  env: Record<string, string>;
}

/** An attempt's outcome; `linksUnchanged`: its landing need not list leaving links again. */
export type Ran = { outcome: AttemptOutcome; linksUnchanged: boolean };

/** The task's limits: its own, else the plan's defaults. */
export function taskLimits(task: TaskSpec, defaults: PlanDefaults): TaskLimits {
  return {
    timeoutMs: task.timeoutMs ?? defaults.timeoutMs,
    retries: task.retries ?? defaults.retries,
    verify: task.verify ?? defaults.verify,
  };
}

/**
 * The agents a task may use, in order: its own (or the override, or the plan default), then
 * the configured fallbacks, keeping only those that are available.
 */
export function agentChain(
  task: TaskSpec,
  input: {
    defaultAgent: string;
    agentOverride: string | undefined;
    fallback: Record<string, string[]>;
    adapters: Map<string, AgentAdapter>;
    /** Agents whose probe succeeded; absent = every adapter counts. */
    available: Set<string> | undefined;
  },
): Array<{ name: string; adapter: AgentAdapter }> {
  const primary = task.agent ?? input.agentOverride ?? input.defaultAgent;
  const names = [primary, ...(input.fallback[primary] ?? [])];
  const chain = names
    .filter((name, i) => names.indexOf(name) === i)
    .filter((name) => input.adapters.has(name) && (input.available?.has(name) ?? true))
    .map((name) => ({ name, adapter: input.adapters.get(name)! }));
  if (chain.length === 0) {
    throw new ExitError(
      'MILESTONE_AGENT_UNAVAILABLE',
      `task ${task.id}: no available agent among ${names.join(', ')}`,
    );
  }
  return chain;
}

/** The outcome of an attempt whose worktree could not be made ready (its setup failed). */
export function setupFailure(reason: string, canceled: boolean): AttemptOutcome {
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
