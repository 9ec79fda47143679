import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { gitExec } from './git-exec.js';
import { listWorktrees } from './worktree.js';

/** The top-level directory of the working tree around `cwd`. */
export async function repoRoot(cwd: string): Promise<string> {
  return (await gitExec(cwd, ['rev-parse', '--show-toplevel'])).stdout.trim();
}

/**
 * The main worktree's top-level directory, wherever `cwd` is: in the main worktree, in a linked
 * worktree (`git worktree add`) or in a folder below either. Falls back to `cwd`'s own top level
 * when the repository is bare (its linked worktrees have no main one to defer to).
 */
export async function mainWorktreeRoot(cwd: string): Promise<string> {
  const own = await repoRoot(cwd);
  const main = (await listWorktrees(own))[0];
  if (!main || main.bare || main.prunable) return own;
  // The same folder may be spelled differently (symlinks); keep git's own spelling of `cwd`'s.
  return sameDir(own, main.path) ? own : main.path;
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** The checked-out branch's short name, or `null` when HEAD is detached. */
export async function currentBranch(cwd: string): Promise<string | null> {
  const { stdout, exitCode } = await gitExec(cwd, ['symbolic-ref', '--quiet', 'HEAD'], {
    allowExitCodes: [1],
  });
  if (exitCode !== 0) return null;
  const ref = stdout.trim();
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/**
 * Tracked files, relative to `cwd`; with `others`, untracked files that are not ignored too.
 * NUL-separated output: no quoting of unusual names, and fast for large trees.
 */
export async function lsFiles(cwd: string, options: { others?: boolean } = {}): Promise<string[]> {
  const args = ['ls-files', '-z', '--cached'];
  if (options.others) args.push('--others', '--exclude-standard');
  const { stdout } = await gitExec(cwd, args);
  return stdout.split('\0').filter((name) => name !== '');
}
