import { GitError } from './git-error.js';
import { gitExec } from './git-exec.js';
import { branchTipFromFiles } from './ref-files.js';
import { assertBranchName, assertRevision } from './ref-names.js';

/** The object id `ref` names, or `null` when it names nothing. */
export async function revParse(cwd: string, ref: string): Promise<string | null> {
  assertRevision(ref);
  // A branch of a plain repository's main worktree is read from its ref file (ref-files.ts):
  // no git process for the run's many looks at the milestone branch.
  if (ref.startsWith('refs/heads/')) {
    const tip = branchTipFromFiles(cwd, ref.slice('refs/heads/'.length));
    if (tip !== undefined) return tip;
  }
  const { stdout, exitCode } = await gitExec(cwd, ['rev-parse', '--verify', '--quiet', ref], {
    allowExitCodes: [1],
  });
  return exitCode === 0 ? stdout.trim() : null;
}

/** Whether the local branch `name` exists. */
export async function branchExists(cwd: string, name: string): Promise<boolean> {
  assertBranchName(name);
  return (await revParse(cwd, `refs/heads/${name}`)) !== null;
}

/** Creates branch `name` at `startPoint` without checking it out; fails if it exists. */
export async function createBranch(cwd: string, name: string, startPoint: string): Promise<void> {
  assertBranchName(name);
  assertRevision(startPoint, 'start point');
  await gitExec(cwd, ['branch', '--no-track', name, startPoint]);
}

/**
 * Deletes branch `name`; returns false when it did not exist. Without `force`, git refuses to
 * delete a branch not merged into HEAD.
 */
export async function deleteBranch(
  cwd: string,
  name: string,
  options: { force?: boolean } = {},
): Promise<boolean> {
  if (!(await branchExists(cwd, name))) return false;
  await gitExec(cwd, ['branch', options.force ? '-D' : '-d', name]);
  return true;
}

/**
 * Moves `refs/heads/<branch>` to `newSha` only if it still points at `oldSha` (`null`: only
 * if the branch does not exist). Returns false when another writer got there first.
 */
export async function updateRefCas(
  cwd: string,
  branch: string,
  newSha: string,
  oldSha: string | null,
  reflogMessage = 'milestone: update branch',
): Promise<boolean> {
  assertBranchName(branch);
  assertRevision(newSha, 'new value');
  if (oldSha !== null) assertRevision(oldSha, 'old value');
  const ref = `refs/heads/${branch}`;
  const args = ['update-ref', '-m', reflogMessage, ref, newSha, oldSha ?? ''];
  try {
    await gitExec(cwd, args);
    return true;
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    const expected = oldSha === null ? null : await revParse(cwd, oldSha);
    if (oldSha !== null && expected === null) throw error;
    const moved = (await revParse(cwd, ref)) !== expected;
    // "cannot lock ref": the old value did not match, or another writer holds the ref's lock.
    if (moved || /cannot lock ref/i.test(error.stderr)) return false;
    throw error;
  }
}
