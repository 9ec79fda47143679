import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { gitExec } from './git-exec.js';
import { gitDirOf, headCommit, readHeadFiles } from './head.js';
import { assertBranchName } from './ref-names.js';
import { commonDirOf, headBranch, repositoryWriters, runsHook } from './repository-writers.js';
import { switchTreeInProcess } from './tree-switch.js';

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** `git checkout` runs it; `read-tree` does not: a repository with one keeps checkout. */
const CHECKOUT_HOOKS = ['post-checkout'];

/**
 * How many switches went each way in this process (tests, and `MILESTONE_DEBUG=1` after a run:
 * engine/git-work-counts.ts): in this process
 * (`tree-switch.ts`), by `read-tree`, or declined (the caller checks out); `readTreeWhy` counts
 * why the in-process switch left one to read-tree.
 */
export const switchCounts = {
  inProcess: 0,
  readTree: 0,
  declined: 0,
  readTreeWhy: {} as Record<string, number>,
};

/**
 * Switches a worktree whose files, index and HEAD agree (its last task committed everything) to
 * `branch` at `commit`, as `git checkout --force -B <branch> <commit>` would there, for less:
 * `git read-tree -m -u <HEAD> <commit>` rewrites only the files that differ between the two
 * trees and stats only those (checkout stats every file of the worktree), the branch is set in
 * the repository's long-lived `update-ref --stdin`, and HEAD is written as git writes it (a
 * `HEAD.lock` renamed over it). Returns false, having changed nothing git would not redo, when
 * the caller must run the checkout: HEAD unreadable or locked, a `post-checkout` hook, or
 * read-tree refused (a local change or an untracked file in the way).
 */
export async function switchCleanWorktree(
  worktree: string,
  branch: string,
  commit: string,
): Promise<boolean> {
  const done = await trySwitch(worktree, branch, commit).catch(() => false as const);
  if (done === false) switchCounts.declined += 1;
  else switchCounts[done] += 1;
  return done !== false;
}

async function trySwitch(
  worktree: string,
  branch: string,
  commit: string,
): Promise<'inProcess' | 'readTree' | false> {
  assertBranchName(branch);
  if (process.env.MILESTONE_SLOT_SWITCH === 'checkout' || !OBJECT_ID.test(commit)) return false;
  const gitDir = gitDirOf(worktree);
  if (existsSync(join(gitDir, 'HEAD.lock'))) return false;
  const head = await headCommit(worktree).catch(() => null);
  if (head === null || !OBJECT_ID.test(head)) return false;
  const commonDir = commonDirOf(gitDir);
  const writers = repositoryWriters(commonDir);
  const settings = await writers.commits.settings();
  if (!settings || runsHook(worktree, commonDir, settings, CHECKOUT_HOOKS)) return false;
  // In this process when it can: no git process for the usual switch (tree-switch.ts).
  const why =
    process.env.MILESTONE_SLOT_SWITCH === 'read-tree'
      ? 'disabled'
      : await switchTreeInProcess({
          worktree,
          gitDir,
          commonDir,
          head,
          target: commit,
          settings,
          objects: writers.objects,
        });
  if (why !== null) {
    switchCounts.readTreeWhy[why] = (switchCounts.readTreeWhy[why] ?? 0) + 1;
    // A two-tree merge: paths that differ between the trees are checked (must match HEAD) and
    // rewritten; every other index entry stays as it is, unstatted.
    const read = await gitExec(worktree, ['read-tree', '-m', '-u', head, commit], { allowExitCodes: [128] });
    if (read.exitCode !== 0) return false;
  }
  // The files and index are at `commit` now; on any failure below, the caller's checkout redoes it all.
  if (!(await writers.refs.apply([{ ref: `refs/heads/${branch}`, to: commit, from: 'any' }]))) return false;
  if (headBranch(gitDir) !== branch) await writeHead(gitDir, `ref: refs/heads/${branch}\n`);
  return why === null ? 'inProcess' : 'readTree';
}

/** Writes a worktree's HEAD the way git does: `HEAD.lock` created exclusively, then renamed over HEAD. */
async function writeHead(gitDir: string, text: string): Promise<void> {
  const lock = join(gitDir, 'HEAD.lock');
  const fd = openSync(lock, 'wx', 0o644);
  try {
    writeSync(fd, text);
  } catch (error) {
    closeSync(fd);
    rmSync(lock, { force: true });
    throw error;
  }
  closeSync(fd);
  // Asynchronous: a rename over an existing file can wait for the disk (see IndexLock.commit).
  await rename(lock, join(gitDir, 'HEAD')).catch((error: unknown) => {
    rmSync(lock, { force: true });
    throw error;
  });
}

/**
 * Detaches a worktree's HEAD at the commit its branch points at, as `git update-ref --no-deref
 * HEAD HEAD` does, by rewriting the HEAD file (lock, rename) without a process; false, having
 * changed nothing, when HEAD is not a branch whose loose ref names a commit, or is locked.
 * (git's update-ref also appends to the worktree's HEAD reflog; this does not.)
 */
export async function detachHeadFile(worktree: string): Promise<boolean> {
  try {
    const gitDir = gitDirOf(worktree);
    if (headBranch(gitDir) === null || existsSync(join(gitDir, 'HEAD.lock'))) return false;
    const commit = readHeadFiles(worktree);
    if (commit === null) return false;
    await writeHead(gitDir, `${commit}\n`);
    return true;
  } catch {
    return false;
  }
}
