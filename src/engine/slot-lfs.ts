import { ExitError } from '../errors.js';
import { gitExec } from '../git/git.js';
import { findExecutable } from '../process/which.js';

/** A repository whose git config runs Git LFS filters, on a machine without `git-lfs`. */
export const LFS_MISSING_CODE = 'MILESTONE_LFS_MISSING';

/** The refusal of `checkLfs`, with what says the repository uses LFS. */
export class LfsMissingError extends ExitError {
  constructor(
    /** `filter=lfs in <path> at <commit>`. */
    readonly why: string,
    message: string,
  ) {
    super(LFS_MISSING_CODE, message);
  }
}

/**
 * Refuses a new slot at `startPoint` when a `.gitattributes` there routes files through
 * `filter=lfs` but `git-lfs` is not on PATH: with the filter configured (`git lfs install`)
 * `git worktree add` would fail half way and leave a broken slot; without it the checkout would
 * hand the agent pointer files in place of content. The LFS filters in a git config alone (a
 * user's `git lfs install`) refuse nothing: git runs a filter only for files whose attributes
 * name it. Where LFS works, checkouts hold the content and `git add` turns it back into the same
 * pointer, so a task that does not touch an LFS file never commits a change to it.
 *
 * Made before every new slot, never cached: a long-lived worker sees a `git-lfs` installed since
 * it started, and a start point that gained LFS since its last slot. Cheap where LFS works (a
 * PATH lookup, no process); without `git-lfs`, one `git grep` of the start point's
 * `.gitattributes` files.
 */
export async function checkLfs(repoRoot: string, startPoint: string): Promise<void> {
  if (findExecutable('git-lfs', { pathEnv: process.env.PATH, cwd: repoRoot })) return;
  const why = await lfsAttributes(repoRoot, startPoint);
  if (!why) return;
  throw new LfsMissingError(
    why,
    `${repoRoot} uses Git LFS (${why}) but git-lfs is not installed: ` +
      'install it (e.g. apt-get install git-lfs, brew install git-lfs), then run execute again',
  );
}

/** The first `.gitattributes` at `startPoint` that names `filter=lfs`, worded, or null. */
async function lfsAttributes(repoRoot: string, startPoint: string): Promise<string | null> {
  const found = await gitExec(
    repoRoot,
    [
      'grep',
      '-l',
      '--no-color',
      '-e',
      'filter=lfs',
      startPoint,
      '--',
      '.gitattributes',
      ':(glob)**/.gitattributes',
    ],
    { allowExitCodes: [1] },
  );
  if (found.exitCode !== 0) return null;
  // `git grep` names a match in a tree `<commit>:<path>`.
  const first = found.stdout.split('\n')[0] ?? '';
  const path = first.slice(first.indexOf(':') + 1);
  return `filter=lfs in ${path} at ${startPoint.slice(0, 12)}`;
}
