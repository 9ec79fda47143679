import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitExec } from '../git/git.js';

/** How long initialising a slot's submodules may take (it may fetch over the network). */
const SUBMODULE_TIMEOUT_MS = 10 * 60_000;

/**
 * Initialises and updates the submodules of a slot checked out from a repository that has
 * them (`.gitmodules`): `git worktree add` and `checkout` leave them empty folders, and a task
 * would build or test without them. Uses the URLs the repository's config holds (linked
 * worktrees share it). Returns why it failed (a clear refusal for the task), or `null`.
 */
export async function initSubmodules(worktree: string, signal: AbortSignal): Promise<string | null> {
  if (!existsSync(join(worktree, '.gitmodules'))) return null;
  const result = await gitExec(worktree, ['submodule', 'update', '--init', '--recursive', '--quiet'], {
    allowExitCodes: [1, 128],
    timeoutMs: SUBMODULE_TIMEOUT_MS,
    signal,
  }).catch((error: unknown) => ({ exitCode: -1, stdout: '', stderr: (error as Error).message }));
  if (result.exitCode === 0) return null;
  const why = result.stderr.trim().split('\n').slice(-3).join(' / ');
  return `worktree submodules: \`git submodule update --init --recursive\` failed in ${worktree}: ${why} (fix the submodule URLs or access, then run execute again)`;
}
