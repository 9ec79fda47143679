import type { ReviewDecision } from '../../core/events.js';
import type { Phase } from '../../core/types.js';
import { PHASES } from '../../core/types.js';
import { gateState } from '../../decision/gates.js';
import { UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';

export interface ReviewOptions {
  cwd: string;
  io: Io;
  /** Optional when exactly one milestone is active. */
  id?: string | undefined;
  phase: string | undefined;
  approve: boolean;
  reject: boolean;
  requestChanges: boolean;
  comment?: string | undefined;
}

/**
 * Records a review decision on a completed phase. An approval opens the gate (the next
 * `execute` continues); a rejection or a change request keeps the next phase blocked and keeps
 * the comment. Every decision stays in the history `show` prints.
 */
export async function review(options: ReviewOptions): Promise<{ phase: Phase; decision: ReviewDecision }> {
  const chosen = [
    options.approve && 'approved',
    options.reject && 'rejected',
    options.requestChanges && 'changes_requested',
  ].filter((d): d is ReviewDecision => typeof d === 'string');
  if (chosen.length !== 1) {
    throw new UsageError(
      'MILESTONE_REVIEW_DECISION',
      'give exactly one of --approve, --reject, --request-changes',
    );
  }
  if (!options.phase || !(PHASES as readonly string[]).includes(options.phase)) {
    throw new UsageError('MILESTONE_BAD_PHASE', `--phase must be one of ${PHASES.join(', ')}`);
  }
  const phase = options.phase as Phase;
  const decision = chosen[0]!;
  if (decision !== 'approved' && !options.comment?.trim()) {
    throw new UsageError(
      'MILESTONE_REVIEW_COMMENT',
      `--comment is required with --${decision === 'rejected' ? 'reject' : 'request-changes'}: say what must change`,
    );
  }
  const workspace = await openWorkspace(options.cwd);
  await withExistingStore(workspace, (store) => {
    const state = resolveMilestone(store, options.id);
    if (!state.plan.tasks.some((t) => t.phase === phase)) {
      throw new UsageError(
        'MILESTONE_REVIEW_EMPTY_PHASE',
        `milestone ${state.id} has no ${phase} tasks to review`,
      );
    }
    if (!state.phaseCommits[phase]) {
      throw new UsageError(
        'MILESTONE_REVIEW_TOO_EARLY',
        `phase ${phase} of ${state.id} has not completed yet; review it once its phase commit has landed`,
      );
    }
    store.append(state.id, [
      { type: 'review', phase, decision, ...(options.comment && { comment: options.comment }) },
    ]);
    const gate = gateState(store.state(state.id)!, workspace.config, phase);
    // Without a gate nothing waits on a review: a rejection is history, the next execute runs on.
    const next =
      decision === 'approved'
        ? `next: milestone execute ${state.id}`
        : gate === 'none'
          ? `nothing is blocked: the next phase runs on \`milestone execute ${state.id}\` (config phases.${phase}.approval: required makes ${phase} a gate)`
          : `the phase after ${phase} stays blocked until \`milestone review ${state.id} --phase ${phase} --approve\``;
    options.io.out(
      `${state.id}: phase ${phase} ${decision.replace('_', ' ')}${gate === 'none' ? ' (this phase has no approval gate; recorded for the history)' : ''}\n${next}`,
    );
  });
  return { phase, decision };
}
