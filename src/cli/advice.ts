import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';

/**
 * What to do with a cancelled milestone; `cancel`, `execute` and `finish` all print this, so the
 * advice is the same wherever the person meets it.
 */
export function cancelledAdvice(state: Pick<MilestoneState, 'id' | 'branch' | 'source'>): string {
  const file = state.source?.file ?? 'FILE';
  return [
    `milestone ${state.id} is cancelled; work that landed stays on ${state.branch}.`,
    `  to run it again (fix the plan first if needed): milestone plan --from ${file} --replace ${state.id} && milestone execute ${state.id}`,
    `  to delete it: milestone rm ${state.id} (add --branches to delete ${state.branch} too)`,
  ].join('\n');
}

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
