import { ExitError } from '../errors.js';
import { gitExec } from '../git/git.js';
import { findExecutable } from '../process/which.js';

/** A repository whose git config runs Git LFS filters, on a machine without `git-lfs`. */
export const LFS_MISSING_CODE = 'MILESTONE_LFS_MISSING';

/**
 * Refuses a new slot when the repository's git config names the Git LFS filters but `git-lfs`
 * is not on PATH: `git worktree add` would fail half way and leave a broken slot, and a
 * checkout that skipped the filter would hand the agent pointer files in place of content.
 * Where LFS works, checkouts hold the content and `git add` turns it back into the same pointer,
 * so a task that does not touch an LFS file never commits a change to it.
 */
export async function checkLfs(repoRoot: string): Promise<void> {
  const configured = await gitExec(repoRoot, ['config', '--get-regexp', '^filter\\.lfs\\.'], {
    allowExitCodes: [1],
  });
  if (configured.exitCode !== 0 || configured.stdout.trim() === '') return;
  if (findExecutable('git-lfs', { pathEnv: process.env.PATH, cwd: repoRoot })) return;
  throw new ExitError(
    LFS_MISSING_CODE,
    `${repoRoot} uses Git LFS (filter.lfs in its git config) but git-lfs is not installed: ` +
      'install it (e.g. apt-get install git-lfs, brew install git-lfs), then run execute again',
  );
}
