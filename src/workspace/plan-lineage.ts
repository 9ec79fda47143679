import { isAbsolute, relative } from 'node:path';
import type { PlanSource } from '../core/events.js';
import { UsageError } from '../errors.js';
import { gitExec } from '../git/git-exec.js';
import { branchExistsInFiles } from '../git/ref-files.js';
import { milestoneBranch } from '../git/ref-names.js';
import { branchExists } from '../git/refs.js';
import { listWorktrees } from '../git/worktree.js';
import { lazyCrypto } from '../store/lazy-crypto.js';
import type { Workspace } from './workspace.js';

/** What `plan` does with a `milestone/<id>` branch that exists while no such milestone is recorded. */
export type BranchChoice = 'adopt' | 'new';

/** A fresh plan lineage: 12 hex digits, written as `Milestone-Run:` on the milestone's commits. */
export function newRunId(): string {
  return lazyCrypto().randomBytes(6).toString('hex');
}

/** The plan file (relative to the repository when inside it) and its text's sha256. */
export function planSource(root: string, file: string, text: string): PlanSource {
  const rel = relative(root, file);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return { file: inside ? rel : file, sha256: lazyCrypto().createHash('sha256').update(text).digest('hex') };
}

export { planFileChanged } from './plan-file-changed.js';

/** The lineage of a new plan, after deciding what to do with an existing milestone branch. */
export interface Lineage {
  runId: string;
  adoptedRuns: string[];
  /** Set when the earlier branch was moved aside (`--new-branch`). */
  movedTo?: string;
}

/**
 * A new milestone whose branch already exists (an earlier plan of the same id, the local store
 * lost, a fresh clone) must not count that branch's tasks as its own. Without a choice this
 * refuses (exit 2) naming the choices; `adopt` accepts the commits found there as this plan's,
 * `new` moves the branch aside to `milestone/<id>.previous-<n>` (nothing is deleted).
 */
export async function lineageForNewPlan(
  workspace: Workspace,
  id: string,
  base: string,
  choice: BranchChoice | undefined,
  retry: string,
  /** `branchExists` of the milestone branch, when the caller asked git already. */
  branchFound?: Promise<boolean>,
): Promise<Lineage> {
  const runId = newRunId();
  const branch = milestoneBranch(id);
  if (!(await (branchFound ?? branchExists(workspace.root, branch)))) {
    if (choice) {
      throw new UsageError(
        'MILESTONE_NO_BRANCH_TO_ADOPT',
        `${choice === 'adopt' ? '--adopt-branch' : '--new-branch'}: there is no branch ${branch}; plan without it`,
      );
    }
    await refuseBranchNamedMilestone(workspace.root, branch);
    return { runId, adoptedRuns: [] };
  }
  // Only when the branch exists: a new plan's usual path does not load the engine.
  const { runsOnBranch } = await import('../engine/landing.js');
  const found = await runsOnBranch(workspace.root, branch, base, id);
  if (choice === 'adopt') return { runId, adoptedRuns: found.runs };
  if (choice === 'new') return { runId, adoptedRuns: [], movedTo: await moveAside(workspace.root, branch) };
  // An empty branch (no commits beyond the base) holds nothing to mistake for landed work.
  if (found.commits === 0) return { runId, adoptedRuns: [] };
  const landed = found.tasks.length
    ? `; tasks ${found.tasks.slice(0, 8).join(', ')}${found.tasks.length > 8 ? ', ...' : ''} landed there from an earlier plan`
    : '';
  throw new UsageError(
    'MILESTONE_BRANCH_EXISTS',
    [
      `branch ${branch} already exists with ${found.commits} commit${found.commits === 1 ? '' : 's'} not on ${base}${landed}, and no milestone "${id}" is recorded here. Choose:`,
      `  keep it; tasks of this plan found there count as landed:   ${retry} --adopt-branch`,
      `  start a new branch; the old one moves to ${branch}.previous-N:   ${retry} --new-branch`,
      `  or plan under another id:   ${retry} --id ${id}-2`,
    ].join('\n'),
  );
}

/**
 * A branch named `milestone` keeps git from making any `milestone/<id>` (a ref cannot be both a
 * file and a folder): refused here, before anything is stored, instead of by `execute`'s
 * `git branch` after the plan was accepted. Read from the ref files (no git process) where
 * they tell.
 */
async function refuseBranchNamedMilestone(root: string, branch: string): Promise<void> {
  const prefix = branch.slice(0, branch.indexOf('/'));
  if (!(branchExistsInFiles(root, prefix) ?? (await branchExists(root, prefix)))) return;
  throw new UsageError(
    'MILESTONE_BRANCH_CLASH',
    `a branch named "${prefix}" exists, and git cannot hold it and the milestone branch ${branch} at once (a ref cannot be both a file and a folder): rename it (git branch -m ${prefix} ${prefix}-old), then plan again`,
  );
}

/** Renames `branch` to the first free `<branch>.previous-<n>`; refuses while it is checked out. */
async function moveAside(root: string, branch: string): Promise<string> {
  const checkedOut = (await listWorktrees(root)).find((w) => w.branch === branch);
  if (checkedOut) {
    throw new UsageError(
      'MILESTONE_BRANCH_CHECKED_OUT',
      `--new-branch: ${branch} is checked out in ${checkedOut.path}; switch that worktree to another branch first`,
    );
  }
  let n = 1;
  while (await branchExists(root, `${branch}.previous-${n}`)) n += 1;
  const target = `${branch}.previous-${n}`;
  await gitExec(root, ['branch', '-m', branch, target]);
  return target;
}
