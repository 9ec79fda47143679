import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listWorktrees, pruneWorktrees, removeWorktree } from '../git/git.js';
import { repoWorktreeDir } from './naming.js';

/** Settings for preparing a worktree slot (config `worktrees`). */
export interface WorktreeSetup {
  /** Command run in a slot when it is new, its key changed, or its last setup failed. */
  setup: string | null;
  /** Files or folders copied from the main working tree (e.g. `.env`). */
  copy: string[];
  /** Paths symlinked from the main working tree (e.g. `node_modules`). */
  link: string[];
  /** Files whose content keys the setup; `null` = the usual lockfiles. */
  key: string[] | null;
}

/**
 * Removes this milestone's task worktrees, registered with git or only on disk: left by a crash,
 * by an interrupted run, or all of them when the milestone goes (`rm`). The one implementation
 * behind recovery, `clean` and `rm`. `keep` lists paths to leave (conflicted tasks awaiting a
 * person); with `dryRun` nothing is removed. Returns the paths removed (or that would be).
 */
export async function removeOrphanWorktrees(
  repoRoot: string,
  worktreeRoot: string,
  milestoneId: string,
  options: { keep?: ReadonlySet<string>; dryRun?: boolean } = {},
): Promise<string[]> {
  const dir = repoWorktreeDir(worktreeRoot, repoRoot, milestoneId);
  const removed: string[] = [];
  const registered = (await listWorktrees(repoRoot))
    .map((w) => w.path)
    .filter((p) => p.startsWith(`${dir}/`));
  const onDisk = existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
  for (const path of new Set([...registered, ...onDisk])) {
    if (options.keep?.has(path)) continue;
    removed.push(path);
    if (options.dryRun) continue;
    await removeWorktree(repoRoot, path);
    // A crash in the middle of `worktree add` can leave a folder git does not know about.
    rmSync(path, { recursive: true, force: true });
  }
  if (!options.dryRun) await pruneWorktrees(repoRoot);
  return removed;
}
