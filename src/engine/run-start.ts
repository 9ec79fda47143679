import { branchExists, createBranch } from '../git/git.js';
import type { Store } from '../store/store.js';
import { recoverMilestone } from './recovery.js';
import type { RunHost } from './run-host.js';

/**
 * Before a run's first phase: the milestone branch, created on the base when it does not exist
 * yet, and whatever a dead run left (a half-made landing, an orphaned agent, a lost worktree)
 * reconciled with git by `recoverMilestone`; its repairs are recorded and its notes shown.
 */
export async function startRun(
  input: Pick<
    RunHost,
    | 'repoRoot'
    | 'worktreeRoot'
    | 'milestoneId'
    | 'branch'
    | 'graceMs'
    | 'reporter'
    | 'state'
    | 'record'
    | 'storeDir'
  > & {
    store: Store;
    /** How an interrupted task runs again: from a fresh worktree, or on a worker (a queued run). */
    rerun: 'worktree' | 'queue';
  },
): Promise<void> {
  const { repoRoot, branch } = input;
  const state = input.state();
  if (!(await branchExists(repoRoot, branch))) {
    input.record({ type: 'intent', step: 'create_branch', detail: { branch, base: state.base } });
    await createBranch(repoRoot, branch, state.base);
    input.record({ type: 'outcome', step: 'create_branch', ok: true });
  }
  const repairs = await recoverMilestone({
    repoRoot,
    worktreeRoot: input.worktreeRoot,
    state,
    events: input.store.events(input.milestoneId, { types: ['intent'] }),
    graceMs: input.graceMs,
    rerun: input.rerun,
    storeDir: input.storeDir,
  });
  if (repairs.events.length) input.record(...repairs.events);
  for (const note of repairs.notes) input.reporter.onLive?.({ type: 'note', level: 'info', message: note });
}
