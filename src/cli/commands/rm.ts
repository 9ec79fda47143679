import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, sep } from 'node:path';
import { repoWorktreeDir } from '../../engine/naming.js';
import { removeOrphanWorktrees } from '../../engine/worktrees.js';
import { LockedError, UsageError } from '../../errors.js';
import { gitExec, listWorktrees, revParse } from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { isPidAlive } from '../../store/pid-alive.js';
import {
  checkMilestoneId,
  milestoneDir,
  openWorkspace,
  withExistingStore,
} from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';

export interface RmOptions {
  cwd: string;
  io: Io;
  id: string;
  /** Also delete `milestone/<id>` and its task branches. */
  branches: boolean;
  env?: Record<string, string | undefined>;
}

/** What `rm` removed. */
export interface RmResult {
  id: string;
  worktrees: string[];
  /** Branch name and the commit it pointed at (to restore it with `git branch NAME SHA`). */
  branches: Array<{ name: string; commit: string }>;
}

/**
 * Deletes a milestone: its events in the store, its `.milestones/<id>/` record, attempt logs and
 * worktrees, and with `branches` its milestone and task branches. Refuses while a live
 * coordinator runs it (exit 3), and refuses (exit 2, nothing changed) to delete a branch some
 * worktree of the person has checked out.
 */
export async function rm(options: RmOptions): Promise<RmResult> {
  const id = checkMilestoneId(options.id);
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const wtRoot = worktreeRoot(workspace, options.env ?? process.env);
  const result: RmResult = { id, worktrees: [], branches: [] };
  await withExistingStore(workspace, async (store) => {
    const state = store.state(id);
    if (!state) {
      const known = store.list().map((m) => m.id);
      throw new UsageError(
        'MILESTONE_UNKNOWN',
        `no milestone "${id}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      );
    }
    const me = { pid: process.pid, host: hostname() };
    const claim = store.acquireLease(id, me, { now: new Date(), staleAfterMs: 15_000, isAlive: isPidAlive });
    if (!claim.acquired) {
      throw new LockedError(
        `milestone ${id} is executing (pid ${claim.holder.pid} on ${claim.holder.host}); stop it first with \`milestone cancel ${id}\``,
        claim.holder,
      );
    }
    try {
      const engineDir = repoWorktreeDir(wtRoot, workspace.root, id);
      const worktrees = await listWorktrees(workspace.root);
      const branches = options.branches ? await milestoneBranches(workspace.root, state.branch) : [];
      // Checked before anything is removed: deleting a branch under a person's checkout is refused.
      for (const branch of branches) {
        const holder = worktrees.find(
          (w) => w.branch === branch.name && !w.path.startsWith(`${engineDir}${sep}`),
        );
        if (holder) {
          throw new UsageError(
            'MILESTONE_BRANCH_CHECKED_OUT',
            `${branch.name} is checked out in ${holder.path}; switch it to another branch first (nothing was removed)`,
          );
        }
      }
      result.worktrees.push(...(await removeOrphanWorktrees(workspace.root, wtRoot, id)));
      rmSync(engineDir, { recursive: true, force: true });
      for (const branch of branches) {
        await gitExec(workspace.root, ['branch', '-D', '-q', branch.name]);
        result.branches.push(branch);
      }
      rmSync(milestoneDir(workspace, id), { recursive: true, force: true });
      rmSync(join(workspace.storeDir, 'logs', id), { recursive: true, force: true });
      store.forget(id);
    } finally {
      store.releaseLease(id, me);
    }
    options.io.out(`removed milestone ${id}`);
    for (const path of result.worktrees) options.io.out(`removed worktree ${path}`);
    for (const branch of result.branches)
      options.io.out(`deleted branch ${branch.name} (was ${branch.commit.slice(0, 10)})`);
    if (!options.branches && (await revParse(workspace.root, `refs/heads/${state.branch}`))) {
      options.io.out(
        `kept branch ${state.branch}: delete it with \`git branch -D ${state.branch}\`, or plan ${id} again with --adopt-branch to continue on it`,
      );
    }
  });
  return result;
}

/** `milestone/<id>` and `milestone/<id>.tasks/*` that exist, with their commits. */
async function milestoneBranches(
  root: string,
  branch: string,
): Promise<Array<{ name: string; commit: string }>> {
  const { stdout } = await gitExec(root, [
    'for-each-ref',
    '--format=%(refname:short)%09%(objectname)',
    `refs/heads/${branch}`,
    `refs/heads/${branch}.tasks/`,
  ]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, commit] = line.split('\t');
      return { name: name!, commit: commit! };
    })
    .filter((b) => b.name === branch || b.name.startsWith(`${branch}.tasks/`));
}
