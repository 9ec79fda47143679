import type { Usage } from '../core/events.js';
import { addUsage, sumUsage } from '../core/usage.js';
import type { Limit } from './budget.js';
import { overLimit } from './budget.js';

/**
 * A run's spending, kept as running totals: what the store recorded (folded in as `task_usage`
 * events are appended) plus what running attempts reported so far. Summing every task's usage
 * at every usage report made each check O(tasks).
 */
export class BudgetTracker {
  private recorded: Usage;
  /** Usage reported so far by attempts still running (running totals per task). */
  private readonly live = new Map<string, Usage>();

  constructor(
    private readonly limits: { task: Limit; milestone: Limit },
    recorded: Iterable<Usage>,
  ) {
    this.recorded = sumUsage(recorded);
  }

  /** A `task_usage` event was recorded. */
  add(usage: Usage): void {
    this.recorded = addUsage(this.recorded, usage);
  }

  /** A running attempt's latest running total (agents report cumulative usage). */
  report(taskId: string, usage: Usage): void {
    this.live.set(taskId, usage);
  }

  /** The attempt ended: its usage is recorded (or lost) from now on. */
  settle(taskId: string): void {
    this.live.delete(taskId);
  }

  /** Why the milestone is over budget, running attempts included, or null. */
  milestoneOver(): string | null {
    return overLimit(sumUsage([this.recorded, ...this.live.values()]), this.limits.milestone, 'milestone');
  }

  /** Why a task that spent `before` in earlier attempts and `now` in this one is over, or null. */
  taskOver(taskId: string, before: Usage, now: Usage): string | null {
    return overLimit(addUsage(before, now), this.limits.task, `task ${taskId}`);
  }

  /** The task's remaining cost budget for agents that enforce a cap themselves, if limited. */
  taskRemainingUsd(before: Usage): number | undefined {
    const limit = this.limits.task.costUsd;
    return limit === null ? undefined : Math.max(0.01, limit - (before.costUsd ?? 0));
  }
}
