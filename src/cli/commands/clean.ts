import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '../../core/events.js';
import type { MilestoneState } from '../../core/projection.js';
import { repoWorktreeDir, taskWorktreePath } from '../../engine/naming.js';
import { lastAgentGroups } from '../../engine/recovery.js';
import type { SlotTask } from '../../engine/worktree-pool.js';
import { cleanSlots, namePaths } from '../../engine/worktree-pool.js';
import { removeOrphanWorktrees } from '../../engine/worktrees.js';
import { gitExec, pruneWorktrees } from '../../git/git.js';
import { requireGit } from '../../git/git-on-path.js';
import { listWorktrees } from '../../git/worktree.js';
import type { Io } from '../../io/io.js';
import { processesUsing } from '../../process/path-users.js';
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
 * The task each slot last ran (the latest `worktree` outcome naming the slot, over the milestones
 * no live run holds), with its status: whose uncommitted changes a slot holds.
 */
function slotTasks(
  states: readonly MilestoneState[],
  outcomes: (milestoneId: string) => readonly StoredEvent[],
): (slot: number) => SlotTask | undefined {
  const last = new Map<number, { at: string; task: SlotTask }>();
  for (const state of states) {
    for (const event of outcomes(state.id)) {
      if (event.type !== 'outcome' || event.step !== 'worktree' || !event.taskId) continue;
      const slot = event.detail?.slot;
      const task = state.tasks[event.taskId];
      if (typeof slot !== 'number' || !task) continue;
      const seen = last.get(slot);
      if (seen && seen.at > event.at) continue;
      last.set(slot, {
        at: event.at,
        task: {
          milestoneId: state.id,
          taskId: event.taskId,
          status: task.status,
          disposable:
            state.status === 'cancelled'
              ? 'its milestone was cancelled'
              : task.status === 'running' || task.status === 'ready'
                ? 'interrupted: the next execute runs it again from the start'
                : null,
        },
      });
    }
  }
  return (slot) => last.get(slot)?.task;
}

/**
 * Removes what crashed or abandoned runs left behind: agents a dead coordinator left running
 * (stopped first, so nothing writes into a worktree as it goes), worktrees of milestones no live
 * coordinator holds (except those of conflicted tasks, which a person may be resolving, unless
 * the milestone was cancelled), the pool's slots nothing holds, and task branches whose task has
 * landed, was interrupted or no longer exists (a conflicted or failed task's stays). It keeps,
 * and says why, a slot a live run holds, one git has locked, one a live process works in (a git
 * holding its `index.lock`, a shell), one with uncommitted changes that are not an interrupted
 * or cancelled task's, and a task worktree a live process works in; lock files nothing holds go
 * with their slot, named, as do the uncommitted changes of an interrupted task (listed).
 */
export async function clean(options: CleanOptions): Promise<{
  worktrees: string[];
  branches: string[];
  agents: Array<{ milestoneId: string; taskId: string; pgid: number }>;
  /** Slots left in place, and why (a live run's, in use, locked by git, uncommitted work). */
  kept: Array<{ path: string; why: string }>;
}> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const removed = {
    worktrees: [] as string[],
    branches: [] as string[],
    agents: [] as Array<{ milestoneId: string; taskId: string; pgid: number }>,
    kept: [] as Array<{ path: string; why: string }>,
  };
  const notes: string[] = [];
  const slotNotes = new Map<string, string[]>();
  const branchNotes: string[] = [];
  if (!storeExists(workspace)) {
    options.io.out('nothing to clean (no milestone was ever planned here)');
    return removed;
  }
  const root = worktreeRoot(workspace, options.env ?? process.env);
  await withStore(workspace, async (store) => {
    const states = store.list();
    // The live runs, by pid: a slot whose `.lock` one of them holds is named by its milestone.
    const holders = new Map<number, string>();
    for (const state of states) {
      const holder = store.lease(state.id);
      if (holder && isPidAlive(holder.pid)) holders.set(holder.pid, state.id);
    }
    const unheld = states.filter((state) => ![...holders.values()].includes(state.id));
    // Agents a killed coordinator left running still write into the worktrees about to go.
    for (const state of unheld) {
      for (const orphan of orphanedAgents(state, store.events(state.id, { types: ['intent'] }))) {
        removed.agents.push(orphan);
        if (!options.dryRun) await stopGroup(orphan.pgid, options.graceMs ?? 5000);
      }
    }
    // The pool's slots are a cache kept between runs: clean removes every one no run holds
    // (before branches: a slot a killed run left on a task branch keeps that branch in use).
    const stopping = new Set(removed.agents.map((a) => a.pgid));
    const slots = await cleanSlots(workspace.root, root, {
      dryRun: options.dryRun,
      holders,
      lastTask: slotTasks(unheld, (id) => store.events(id, { types: ['outcome'] })),
      stopping,
    });
    for (const slot of slots) {
      if (!slot.removed) {
        removed.kept.push({ path: slot.path, why: slot.why });
        continue;
      }
      removed.worktrees.push(slot.path);
      if (slot.staleLocks.length)
        notes.push(
          `  with the stale lock${slot.staleLocks.length > 1 ? 's' : ''} ${slot.staleLocks.join(', ')} (no live process held it)`,
        );
      if (slot.dropped.length) {
        const of = slot.task ? ` of ${slot.task.milestoneId}/${slot.task.taskId}` : '';
        const why = slot.task?.disposable ? ` (${slot.task.disposable})` : '';
        notes.push(`  with the uncommitted changes${of}${why}: ${namePaths(slot.dropped)}`);
      }
      slotNotes.set(slot.path, notes.splice(0));
    }
    for (const state of unheld) {
      // A cancelled milestone's conflicts will never be resolved: nothing of it is kept.
      const cancelled = state.status === 'cancelled';
      const keep = new Set(
        Object.values(state.tasks)
          .filter((t) => t.status === 'conflicted' && !cancelled)
          .map((t) => taskWorktreePath(root, workspace.root, state.id, t.id)),
      );
      // A task's worktree a live process works in (a person's shell or git there) stays too.
      const dir = repoWorktreeDir(root, workspace.root, state.id);
      for (const path of existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []) {
        if (keep.has(path)) continue;
        const users = processesUsing([path]).filter((u) => !stopping.has(u.group));
        if (!users.length) continue;
        keep.add(path);
        removed.kept.push({
          path,
          why: `in use by ${users.map((u) => `${u.command} (pid ${u.pid})`).join(', ')}`,
        });
      }
      removed.worktrees.push(
        ...(await removeOrphanWorktrees(workspace.root, root, state.id, { keep, dryRun: options.dryRun })),
      );
      // A branch checked out in a worktree that stays (a kept slot or task worktree) stays too.
      const checkedOut = new Map(
        (await listWorktrees(workspace.root)).flatMap((w) =>
          w.branch && !removed.worktrees.includes(w.path) ? [[w.branch, w.path] as const] : [],
        ),
      );
      const { stdout } = await gitExec(workspace.root, [
        'for-each-ref',
        '--format=%(refname:short)',
        `refs/heads/${state.branch}.tasks/`,
      ]);
      for (const branch of stdout.split('\n').filter(Boolean)) {
        const taskId = branch.slice(`${state.branch}.tasks/`.length);
        const task = state.tasks[taskId];
        // A conflicted task's branch holds work a person is resolving, a failed one's what the
        // task did (its uncommitted changes committed as `wip`): kept. Any other is disposable.
        if (task && !task.merged && (task.status === 'conflicted' || task.status === 'failed') && !cancelled)
          continue;
        const worktree = checkedOut.get(branch);
        if (worktree !== undefined) {
          if (!options.dryRun)
            branchNotes.push(`kept branch ${branch}: checked out in ${worktree}, which stays`);
          continue;
        }
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
  for (const path of removed.worktrees) {
    options.io.out(`${verb} worktree ${path}`);
    for (const note of slotNotes.get(path) ?? []) options.io.out(note);
  }
  for (const branch of removed.branches) options.io.out(`${verb} branch ${branch}`);
  for (const slot of removed.kept) options.io.out(`kept worktree ${slot.path}: ${slot.why}`);
  for (const note of branchNotes) options.io.out(note);
  if (!removed.worktrees.length && !removed.branches.length && !removed.agents.length)
    options.io.out('nothing to clean');
  return removed;
}
