import picomatch from 'picomatch';
import type { Phase, Plan, TaskSpec } from '../../core/types.js';
import { gitExec } from '../../git/git.js';
import { type BranchHistory, type BranchLanding, landingChanges } from './landings.js';

/** A task's verify to run again: later landings changed files the task changed. */
export interface IntentRecheck {
  landing: BranchLanding;
  verify: string;
  /** The later landings that touched the task's files, oldest first. */
  later: BranchLanding[];
}

/** A file a task created that a later landing deleted without its plan saying so. */
export interface DeletedFile {
  taskId: string;
  path: string;
  by: BranchLanding;
}

const REMOVE_WORDS = /\b(remov\w*|delet\w*|drop\w*)\b/i;

/**
 * Whether `task`'s plan says it removes `path`: its `files` cover the path and its title or
 * prompt speaks of removing.
 */
export function plansRemoval(task: TaskSpec | undefined, path: string): boolean {
  if (!task || task.files.length === 0) return false;
  if (!picomatch(task.files, { dot: true })(path)) return false;
  return REMOVE_WORDS.test(`${task.title}\n${task.prompt ?? ''}`);
}

/**
 * What the intent check (issue 10, item 4) must look at for `phase`, from git alone: for each
 * task of the phase whose newest landing is live, the later landings that changed the same
 * files (then its verify runs again), and the files it created that are gone at `head`.
 */
export async function intentProblems(
  cwd: string,
  plan: Plan,
  phase: Phase,
  history: BranchHistory,
  head: string,
): Promise<{ recheck: IntentRecheck[]; deleted: DeletedFile[] }> {
  const live = history.landings.filter((l) => !history.reverted.has(l.sha));
  const specs = new Map(plan.tasks.map((t) => [t.id, t]));
  const changes = await landingChanges(
    cwd,
    live.filter((l) => l.parent !== ''),
  );
  const changesOf = (sha: string) => changes.get(sha) ?? [];
  const { stdout } = await gitExec(cwd, ['ls-tree', '-r', '-z', '--name-only', head]);
  const atHead = new Set(stdout.split('\0').filter(Boolean));
  const recheck: IntentRecheck[] = [];
  const deleted: DeletedFile[] = [];
  for (let i = 0; i < live.length; i++) {
    const landing = live[i]!;
    const spec = specs.get(landing.taskId);
    // Only the task's newest live landing speaks for it (an earlier one was re-landed).
    if (!spec || spec.phase !== phase || live.slice(i + 1).some((l) => l.taskId === landing.taskId)) continue;
    const own = changesOf(landing.sha);
    const paths = new Set(own.map((c) => c.path));
    const later: BranchLanding[] = [];
    for (const next of live.slice(i + 1)) {
      if (next.taskId === landing.taskId) continue;
      const theirs = changesOf(next.sha);
      if (theirs.some((c) => paths.has(c.path))) later.push(next);
      for (const change of theirs) {
        if (change.status !== 'D' || atHead.has(change.path)) continue;
        if (!own.some((c) => c.status === 'A' && c.path === change.path)) continue;
        if (!plansRemoval(specs.get(next.taskId), change.path))
          deleted.push({ taskId: landing.taskId, path: change.path, by: next });
      }
    }
    const verify = spec.verify ?? plan.defaults.verify;
    if (later.length > 0 && verify) recheck.push({ landing, verify, later });
  }
  return { recheck, deleted };
}
