import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';

/**
 * The `next:` line after a run that did not fail: only a completed milestone can be finished;
 * a pause at a review gate needs the review, a `--phase` run needs the remaining phases.
 */
export function nextAfterRun(state: Pick<MilestoneState, 'id' | 'status'>, pausedAt: Phase | null): string {
  if (state.status === 'completed')
    return `next: milestone status ${state.id}   |   milestone finish ${state.id}`;
  if (pausedAt) {
    return `next: milestone review ${state.id} --phase ${pausedAt} --approve, then milestone execute ${state.id}`;
  }
  return `next: milestone execute ${state.id}   (runs the remaining phases)   |   milestone status ${state.id}`;
}
