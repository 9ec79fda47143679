import { UsageError } from '../errors.js';
import { findExecutable } from '../process/which.js';

/** Why a command that needs git cannot run: the same words wherever git is found missing. */
export const GIT_MISSING =
  'git is not installed or not on PATH: milestone needs git 2.38 or newer (`git --version` to check)';

/**
 * Refuses (exit 2, {@link GIT_MISSING}) where `git` is not on PATH. Called by the commands that
 * need git before they read the workspace or write anything: without it they would write
 * `.milestones/` files (the store's folder, the config cache, an event) and only then fail at
 * their first git call. A look along PATH, no process.
 */
export function requireGit(cwd: string, pathEnv: string | undefined = process.env.PATH): void {
  if (findExecutable('git', { pathEnv, cwd }) === null) throw new UsageError('MILESTONE_NO_GIT', GIT_MISSING);
}
