import type { Mode } from '../core/types.js';
import type { ConcurrencyChoice } from './resources.js';

/** What the worktree slots cost here, measured by earlier runs (plain data, read by the shell). */
export interface SlotCost {
  /** Slots kept from earlier runs whose last setup succeeded: no setup to pay. */
  readySlots: number;
  /** Last measured setup of one slot, in ms; `null` = never measured (or no setup configured). */
  setupMs: number | null;
  /** Some task has a `verify` (tests, linters): it competes for the CPU with the others. */
  cpuBoundVerify: boolean;
  cpus: number;
  /** Mean measured duration of a task in earlier runs, in ms; `null` = none measured. */
  meanTaskMs: number | null;
  /** Tasks this run will start. */
  tasks: number;
}

/**
 * The machine default concurrency, weighed by the work each slot does: with a CPU-bound verify
 * no more tasks than CPUs run at once (two test suites on one core take as long as one after
 * the other). A flag or configured value is honoured as given.
 */
export function weighConcurrency(choice: ConcurrencyChoice, cost: SlotCost): ConcurrencyChoice {
  if (choice.source !== 'machine' || !cost.cpuBoundVerify) return choice;
  const cap = Math.max(1, cost.cpus);
  if (choice.concurrency <= cap) return choice;
  return {
    ...choice,
    concurrency: cap,
    explanation: `${cap} (verify runs on the CPU: one task per CPU; was ${choice.explanation})`,
  };
}

/**
 * Parallel agents pay for the slots they need that are not ready yet: each runs the setup, and
 * setups running side by side share the CPUs. When that cost is larger than what running the
 * tasks in parallel saves (measured task time × tasks × (1 − 1/N)), direct is the better mode.
 * Only a mode the decision chose is weighed; a requested one is kept.
 */
export function weighSetupCost(
  decided: { mode: Mode; reason: string },
  requested: boolean,
  cost: SlotCost,
  concurrency: number,
): { mode: Mode; reason: string } {
  if (requested || decided.mode === 'direct' || cost.setupMs === null || cost.meanTaskMs === null)
    return decided;
  const wanted = Math.min(concurrency, cost.tasks);
  const newSlots = Math.max(0, wanted - Math.max(1, cost.readySlots));
  if (newSlots === 0 || wanted < 2) return decided;
  const setupMs = (cost.setupMs * newSlots) / Math.max(1, Math.min(cost.cpus, newSlots));
  const savedMs = cost.meanTaskMs * cost.tasks * (1 - 1 / wanted);
  if (setupMs <= savedMs) return decided;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return {
    mode: 'direct',
    reason: `direct: setting up ${newSlots} more worktree slot(s) (~${s(cost.setupMs)} each, measured) would cost ~${s(setupMs)}, more than parallel agents save (~${s(savedMs)}); the decision was ${decided.reason}`,
  };
}
