import type { StoredEvent } from '../../core/events.js';
import type { MilestoneState } from '../../core/projection.js';
import { taskWorktreePath } from '../../engine/naming.js';
import { lastAgentGroups } from '../../engine/recovery.js';
import { cleanSlots } from '../../engine/worktree-pool.js';
import { removeOrphanWorktrees } from '../../engine/worktrees.js';
import { gitExec, pruneWorktrees } from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { groupAlive, stopGroup } from '../../process/process-group.js';
import { isPidAlive } from '../../store/pid-alive.js';
import { openWorkspace, storeExists, withStore } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';

export interface CleanOptions {
  cwd: string;
  io: Io;
  dryRun: boolean;
  env?: Record<string, string | undefined>;
  /** Time an orphaned agent gets between SIGTERM and SIGKILL (default 5 s). */
  graceMs?: number;
}

/** Agents of tasks the store last saw running whose process group is still alive. */
function orphanedAgents(
  state: MilestoneState,
  intents: readonly StoredEvent[],
): Array<{ milestoneId: string; taskId: string; pgid: number }> {
  const groups = lastAgentGroups(intents);
  return Object.values(state.tasks)
    .filter((t) => t.status === 'running' || t.status === 'ready')
    .flatMap((t) => {
      const pgid = groups.get(t.id);
      return pgid !== undefined && groupAlive(pgid) ? [{ milestoneId: state.id, taskId: t.id, pgid }] : [];
    });
}

/**
 * Removes what crashed or abandoned runs left behind: agents a dead coordinator left running
 * (stopped first, so nothing writes into a worktree as it goes), worktrees of milestones no live
 * coordinator holds (except those of conflicted tasks, which a person may be resolving, unless
 * the milestone was cancelled) and task branches whose task has landed or no longer exists.
 */
export async function clean(options: CleanOptions): Promise<{
  worktrees: string[];
  branches: string[];
  agents: Array<{ milestoneId: string; taskId: string; pgid: number }>;
}> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const removed = {
    worktrees: [] as string[],
    branches: [] as string[],
    agents: [] as Array<{ milestoneId: string; taskId: string; pgid: number }>,
  };
  if (!storeExists(workspace)) {
    options.io.out('nothing to clean (no milestone was ever planned here)');
    return removed;
  }
  const root = worktreeRoot(workspace, options.env ?? process.env);
  await withStore(workspace, async (store) => {
    const unheld = store.list().filter((state) => {
      const holder = store.lease(state.id);
      return !(holder && isPidAlive(holder.pid));
    });
    // Agents a killed coordinator left running still write into the worktrees about to go.
    for (const state of unheld) {
      for (const orphan of orphanedAgents(state, store.events(state.id, { types: ['intent'] }))) {
        removed.agents.push(orphan);
        if (!options.dryRun) await stopGroup(orphan.pgid, options.graceMs ?? 5000);
      }
    }
    // The pool's slots are a cache kept between runs: clean removes every one no run holds
    // (before branches: a slot a killed run left on a task branch keeps that branch in use).
    removed.worktrees.push(...(await cleanSlots(workspace.root, root, options.dryRun)));
    for (const state of unheld) {
      // A cancelled milestone's conflicts will never be resolved: nothing of it is kept.
      const cancelled = state.status === 'cancelled';
      const keep = new Set(
        Object.values(state.tasks)
          .filter((t) => t.status === 'conflicted' && !cancelled)
          .map((t) => taskWorktreePath(root, workspace.root, state.id, t.id)),
      );
      removed.worktrees.push(
        ...(await removeOrphanWorktrees(workspace.root, root, state.id, { keep, dryRun: options.dryRun })),
      );
      const { stdout } = await gitExec(workspace.root, [
        'for-each-ref',
        '--format=%(refname:short)',
        `refs/heads/${state.branch}.tasks/`,
      ]);
      for (const branch of stdout.split('\n').filter(Boolean)) {
        const taskId = branch.slice(`${state.branch}.tasks/`.length);
        const task = state.tasks[taskId];
        // A conflicted task's branch holds work a person is resolving; any other is disposable.
        if (task && !task.merged && task.status === 'conflicted' && !cancelled) continue;
        removed.branches.push(branch);
        if (!options.dryRun) await gitExec(workspace.root, ['branch', '-D', '-q', branch]);
      }
    }
    if (!options.dryRun) await pruneWorktrees(workspace.root);
  });
  const verb = options.dryRun ? 'would remove' : 'removed';
  for (const agent of removed.agents)
    options.io.out(
      `${options.dryRun ? 'would stop' : 'stopped'} the orphaned agent of ${agent.milestoneId}/${agent.taskId} (process group ${agent.pgid})`,
    );
  for (const path of removed.worktrees) options.io.out(`${verb} worktree ${path}`);
  for (const branch of removed.branches) options.io.out(`${verb} branch ${branch}`);
  if (!removed.worktrees.length && !removed.branches.length && !removed.agents.length)
    options.io.out('nothing to clean');
  return removed;
}
