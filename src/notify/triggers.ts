import type { Config } from '../config/config.js';
import type { StoredEvent } from '../core/events.js';
import { computeProgress } from '../core/progress.js';
import type { MilestoneState } from '../core/projection.js';
import { sumUsage } from '../core/usage.js';
import { blockingGate } from '../decision/gates.js';
import { overLimit } from '../engine/budget.js';

/** Why a person is needed (or told): the kinds a webhook receiver can switch on. */
export type NotificationKind = 'conflict' | 'review_gate' | 'budget' | 'parked' | 'failed' | 'completed';

/** One notification: plain data, the webhook's JSON body (no prompts, commands or environment). */
export interface Notification {
  kind: NotificationKind;
  milestone: string;
  title: string;
  task: string | null;
  phase: string | null;
  /** One line for a person. */
  message: string;
  /** The milestone's progress when it was sent (0-100). */
  progress: number;
  /** When the event that caused it was recorded. */
  at: string;
}

/**
 * The notification an event calls for, if any. Pure; decides from data (statuses, the review
 * gates, the budget), never from message text. `state` is the milestone after the event.
 */
export function notificationFor(
  event: StoredEvent,
  state: MilestoneState,
  config: Config,
): Notification | null {
  // Called for every event of a run: the progress (a pass over every task) and the task's phase
  // are looked up only for an event that makes a notification (it was O(tasks) per event).
  if (event.type !== 'task_status' && event.type !== 'milestone_status') return null;
  const base = {
    milestone: state.id,
    title: state.title,
    task: null as string | null,
    phase: null as string | null,
    get progress() {
      return computeProgress(state.plan, state.tasks, { completed: state.status === 'completed' }).overall;
    },
    at: event.at,
  };
  if (event.type === 'task_status') {
    if (event.status !== 'conflicted' && (event.status as string) !== 'waiting') return null;
    const phase = state.plan.tasks.find((t) => t.id === event.taskId)?.phase ?? null;
    if (event.status === 'conflicted')
      return {
        ...base,
        kind: 'conflict',
        task: event.taskId,
        phase,
        message: `task ${event.taskId} conflicts with ${state.branch} and needs a person`,
      };
    // `waiting`: parked on an agent's usage limit (compared by name until the status lands).
    if ((event.status as string) === 'waiting')
      return {
        ...base,
        kind: 'parked',
        task: event.taskId,
        phase,
        message: `task ${event.taskId} is parked until ${event.agent ?? 'its agent'}'s usage limit resets`,
      };
    return null;
  }
  if (event.type !== 'milestone_status') return null;
  if (event.status === 'completed')
    return {
      ...base,
      kind: 'completed',
      message: `milestone ${state.id} completed: every task landed on ${state.branch}`,
    };
  if (event.status === 'paused') {
    const gate = blockingGate(state, config);
    if (!gate) return null; // interrupted or a partial run: the person who asked already knows
    return {
      ...base,
      kind: 'review_gate',
      phase: gate,
      message: `phase ${gate} of ${state.id} waits for review: milestone review ${state.id} --phase ${gate} --approve`,
    };
  }
  if (event.status === 'failed') {
    const spent = sumUsage(Object.values(state.tasks).map((t) => t.usage));
    if (overLimit(spent, config.budget.milestone, 'milestone'))
      return { ...base, kind: 'budget', message: `milestone ${state.id} stopped: its budget is spent` };
    const failed = Object.values(state.tasks).filter(
      (t) => t.status === 'failed' || t.status === 'conflicted',
    );
    return {
      ...base,
      kind: 'failed',
      message: `milestone ${state.id} failed${failed.length ? `: ${failed.map((t) => `${t.id} ${t.status}`).join(', ')}` : ''}`,
    };
  }
  return null;
}
