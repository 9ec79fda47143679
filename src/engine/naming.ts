import { basename, join } from 'node:path';
import { ID_PATTERN } from '../core/types.js';
import { InternalError } from '../errors.js';
import { lazyCrypto } from '../store/lazy-crypto.js';

function checked(id: string): string {
  // Ids are validated at the edges; this is the last line before a path or a ref.
  if (!ID_PATTERN.test(id)) throw new InternalError(`unsafe id reached the engine: ${JSON.stringify(id)}`);
  return id;
}

// From ref-names itself, not the git barrel: `status` and `show` load this module and no git.
export { milestoneBranch, taskBranch } from '../git/ref-names.js';

/** Folder holding one repository's worktrees under the worktree root. */
export function repoWorktreeDir(worktreeRoot: string, repoRoot: string, milestoneId: string): string {
  const hash = lazyCrypto().createHash('sha256').update(repoRoot).digest('hex').slice(0, 10);
  return join(worktreeRoot, `${basename(repoRoot)}-${hash}`, checked(milestoneId));
}

/**
 * Folder of a repository's worktree slots, shared by its milestones and kept across runs:
 * `<root>/<repo>-<hash>/_slots/_slot-N` (ids never start with `_`, so no milestone folder meets it).
 */
export function repoSlotsDir(worktreeRoot: string, repoRoot: string): string {
  const hash = lazyCrypto().createHash('sha256').update(repoRoot).digest('hex').slice(0, 10);
  return join(worktreeRoot, `${basename(repoRoot)}-${hash}`, '_slots');
}

/** Where a conflicted task's worktree is kept for a person (pool slots are `_slot-N` beside it). */
export function taskWorktreePath(
  worktreeRoot: string,
  repoRoot: string,
  milestoneId: string,
  taskId: string,
): string {
  return join(repoWorktreeDir(worktreeRoot, repoRoot, milestoneId), checked(taskId));
}

/** Per-attempt log file under the runtime store. */
export function attemptLogPath(
  storeDir: string,
  milestoneId: string,
  taskId: string,
  attempt: number,
): string {
  return join(storeDir, 'logs', checked(milestoneId), checked(taskId), `attempt-${attempt}.log`);
}

/** Trailer keys on milestone commits: they make landing idempotent across crashes. */
export const TRAILER = {
  milestone: 'Milestone-Id',
  task: 'Task-Id',
  phase: 'Milestone-Phase',
  /** The plan lineage that made the commit: recovery counts only this plan's landings. */
  run: 'Milestone-Run',
  /** On a revert commit made by the integration checks: the landing (commit) it undoes. */
  reverted: 'Reverted',
} as const;

/** The `Milestone-Run` trailer of a milestone's commits, or none for plans made before it existed. */
export function runTrailer(runId: string | null | undefined): Record<string, string> {
  return runId ? { [TRAILER.run]: runId } : {};
}
