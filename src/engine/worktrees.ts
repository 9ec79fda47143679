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
 * Removes this milestone's worktrees that no task needs any more: left by a crash, or by a run
 * that was interrupted. `keep` lists paths to leave (conflicted tasks awaiting a person).
 */
export async function removeOrphanWorktrees(
  repoRoot: string,
  worktreeRoot: string,
  milestoneId: string,
  keep: Set<string>,
): Promise<string[]> {
  const dir = repoWorktreeDir(worktreeRoot, repoRoot, milestoneId);
  const removed: string[] = [];
  const registered = (await listWorktrees(repoRoot))
    .map((w) => w.path)
    .filter((p) => p.startsWith(`${dir}/`));
  const onDisk = existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
  for (const path of new Set([...registered, ...onDisk])) {
    if (keep.has(path)) continue;
    await removeWorktree(repoRoot, path);
    // A crash in the middle of `worktree add` can leave a folder git does not know about.
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  await pruneWorktrees(repoRoot);
  return removed;
}
