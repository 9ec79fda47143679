import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoWorktreeDir, taskWorktreePath } from '../../engine/naming.js';
import { cleanSlots } from '../../engine/worktree-pool.js';
import { gitExec, listWorktrees, pruneWorktrees, removeWorktree } from '../../git/git.js';
import { isPidAlive } from '../../store/pid-alive.js';
import { openWorkspace, storeExists, withStore } from '../../workspace/workspace.js';
import type { Io } from '../io.js';
import { worktreeRoot } from './execute.js';

export interface CleanOptions {
  cwd: string;
  io: Io;
  dryRun: boolean;
  env?: Record<string, string | undefined>;
}

/**
 * Removes what crashed or abandoned runs left behind: worktrees of milestones no live
 * coordinator holds (except those of conflicted tasks, which a person may be resolving) and
 * task branches whose task has landed or no longer exists.
 */
export async function clean(options: CleanOptions): Promise<{ worktrees: string[]; branches: string[] }> {
  const workspace = await openWorkspace(options.cwd);
  const removed = { worktrees: [] as string[], branches: [] as string[] };
  if (!storeExists(workspace)) {
    options.io.out('nothing to clean (no milestone was ever planned here)');
    return removed;
  }
  const root = worktreeRoot(workspace, options.env ?? process.env);
  // The pool's slots are a cache kept between runs: clean removes every one no run holds
  // (first: a slot a killed run left on a task branch would keep that branch from being deleted).
  removed.worktrees.push(...(await cleanSlots(workspace.root, root, options.dryRun)));
  await withStore(workspace, async (store) => {
    const registered = new Set((await listWorktrees(workspace.root)).map((w) => w.path));
    for (const state of store.list()) {
      const holder = store.lease(state.id);
      if (holder && isPidAlive(holder.pid)) continue;
      const keep = new Set(
        Object.values(state.tasks)
          .filter((t) => t.status === 'conflicted')
          .map((t) => taskWorktreePath(root, workspace.root, state.id, t.id)),
      );
      const dir = repoWorktreeDir(root, workspace.root, state.id);
      const paths = new Set([...registered].filter((p) => p.startsWith(`${dir}/`)));
      if (existsSync(dir)) for (const name of readdirSync(dir)) paths.add(join(dir, name));
      for (const path of paths) {
        if (keep.has(path)) continue;
        removed.worktrees.push(path);
        if (!options.dryRun) {
          await removeWorktree(workspace.root, path);
          rmSync(path, { recursive: true, force: true });
        }
      }
      const { stdout } = await gitExec(workspace.root, [
        'for-each-ref',
        '--format=%(refname:short)',
        `refs/heads/${state.branch}.tasks/`,
      ]);
      for (const branch of stdout.split('\n').filter(Boolean)) {
        const taskId = branch.slice(`${state.branch}.tasks/`.length);
        const task = state.tasks[taskId];
        // A conflicted task's branch holds work a person is resolving; any other is disposable.
        if (task && !task.merged && task.status === 'conflicted') continue;
        removed.branches.push(branch);
        if (!options.dryRun) await gitExec(workspace.root, ['branch', '-D', '-q', branch]);
      }
    }
    if (!options.dryRun) await pruneWorktrees(workspace.root);
  });
  const verb = options.dryRun ? 'would remove' : 'removed';
  for (const path of removed.worktrees) options.io.out(`${verb} worktree ${path}`);
  for (const branch of removed.branches) options.io.out(`${verb} branch ${branch}`);
  if (!removed.worktrees.length && !removed.branches.length) options.io.out('nothing to clean');
  return removed;
}
