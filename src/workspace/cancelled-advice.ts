import type { MilestoneState } from '../core/projection.js';

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
