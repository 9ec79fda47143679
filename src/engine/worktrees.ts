import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listWorktrees, pruneWorktrees, removeWorktree } from '../git/git.js';
import { runProcess } from '../process/run-process.js';
import { repoWorktreeDir } from './naming.js';

/** Settings for preparing a fresh worktree (config `worktrees`). */
export interface WorktreeSetup {
  /** Command run in the fresh worktree before the task. */
  setup: string | null;
  /** Files copied from the main working tree (e.g. `.env`). */
  copy: string[];
}

/** Copies configured files and runs the setup command; returns why it failed, or null. */
export async function prepareWorktree(
  repoRoot: string,
  worktree: string,
  setup: WorktreeSetup,
  options: { logFile: string; signal: AbortSignal; timeoutMs: number },
): Promise<string | null> {
  for (const file of setup.copy) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(worktree, file)), { recursive: true });
    copyFileSync(from, join(worktree, file));
  }
  if (!setup.setup) return null;
  const result = await runProcess({
    file: setup.setup,
    args: [],
    shell: true,
    cwd: worktree,
    logFile: options.logFile,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  return result.exitCode === 0
    ? null
    : `worktree setup \`${setup.setup}\` exited with ${result.exitCode ?? result.signal}`;
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
