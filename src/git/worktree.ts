import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { GitError } from './git-error.js';
import { gitExec } from './git-exec.js';

/** One worktree as `git worktree list` knows it. */
export interface WorktreeInfo {
  /** Absolute path, as git recorded it. */
  path: string;
  /** Short branch name; `null` when detached or bare. */
  branch: string | null;
  /** Checked-out commit; `null` in a bare repository or on an unborn branch. */
  head: string | null;
  /** Its folder is gone; `git worktree prune` would drop it. */
  prunable: boolean;
  /** The entry is a bare repository, not a working tree (only the first entry can be). */
  bare?: true;
}

/**
 * Removes the worktree at `path` (discarding its changes) and prunes stale entries. A worktree
 * already gone, or never registered, is fine; one that stays registered is an error.
 */
export async function removeWorktree(cwd: string, path: string): Promise<void> {
  const target = resolve(cwd, path);
  const removal = await gitExec(cwd, ['worktree', 'remove', '--force', target], { allowExitCodes: [128] });
  await pruneWorktrees(cwd);
  if (removal.exitCode === 0) return;
  const wanted = canonical(target);
  if ((await listWorktrees(cwd)).some((w) => canonical(w.path) === wanted)) {
    throw new GitError(
      `could not remove worktree ${target}: ${removal.stderr}`,
      ['worktree', 'remove', '--force', target],
      cwd,
      removal.exitCode,
      removal.stderr,
    );
  }
}

/** Every worktree of the repository, the main one first. */
export async function listWorktrees(cwd: string): Promise<WorktreeInfo[]> {
  const { stdout } = await gitExec(cwd, ['worktree', 'list', '--porcelain', '-z']);
  const worktrees: WorktreeInfo[] = [];
  let current: WorktreeInfo | undefined;
  for (const field of stdout.split('\0')) {
    if (field === '') {
      current = undefined;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, branch: null, head: null, prunable: false };
      worktrees.push(current);
    } else if (current && key === 'HEAD') {
      current.head = /^0+$/.test(value) ? null : value;
    } else if (current && key === 'branch') {
      current.branch = value.startsWith('refs/heads/') ? value.slice('refs/heads/'.length) : value;
    } else if (current && key === 'prunable') {
      current.prunable = true;
    } else if (current && key === 'bare') {
      current.bare = true;
    }
  }
  return worktrees;
}

/** Drops the records of worktrees whose folders were deleted. */
export async function pruneWorktrees(cwd: string): Promise<void> {
  await gitExec(cwd, ['worktree', 'prune']);
}

/** git records real paths; compare through symlinks such as macOS's /tmp -> /private/tmp. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
