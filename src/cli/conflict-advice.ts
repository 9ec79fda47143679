import { existsSync } from 'node:fs';
import type { TaskState } from '../core/projection.js';
import { taskBranch, taskWorktreePath } from '../engine/naming.js';
import type { Store } from '../store/store.js';

/** A conflicted task and what a person runs to resolve it (`status --json` carries these). */
export interface ConflictAdvice {
  taskId: string;
  /** The task's branch, where the resolution is committed. */
  branch: string;
  /** Files that conflicted, or that a refused resolution left wrong (may be empty). */
  files: string[];
  /** The kept worktree to resolve in. */
  worktree: string;
  /** False when the person (or `clean`) removed it: the steps add it again first. */
  worktreeExists: boolean;
  /** Why the task is conflicted (the plain conflict, or why a resolution was refused). */
  reason: string | null;
  /** Shell commands, one per line, each runnable as printed from any directory. */
  steps: string[];
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w./:@%+,=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The commands that resolve a conflicted task, in order. No inline `#` comments: zsh does not
 * treat them as comments unless asked to, so a pasted line would pass them to git. `git merge`
 * stops on the conflict; the person edits the files it names, then commits and runs execute
 * (which checks the resolution before it lands). Run again after a refused resolution, `git
 * merge` says "Already up to date" and the same commit step records the fix.
 */
export function conflictSteps(input: {
  milestoneId: string;
  milestoneBranch: string;
  taskBranch: string;
  worktree: string;
  worktreeExists: boolean;
  repoRoot: string;
}): string[] {
  const steps: string[] = [];
  if (!input.worktreeExists)
    steps.push(
      `git -C ${shellWord(input.repoRoot)} worktree add ${shellWord(input.worktree)} ${input.taskBranch}`,
    );
  steps.push(
    `cd ${shellWord(input.worktree)}`,
    `git merge ${input.milestoneBranch}`,
    `git add -A && git commit -m "Resolve conflict with ${input.milestoneBranch}"`,
    `milestone execute ${input.milestoneId}`,
  );
  return steps;
}

/** The lines printed for one conflicted task (execute's report, `status`, `show`). */
export function formatConflict(milestoneBranch: string, advice: ConflictAdvice): string[] {
  const files = advice.files.length ? `; files: ${advice.files.join(', ')}` : '';
  const what = advice.reason
    ? `conflict: task ${advice.taskId}: ${advice.reason}`
    : `conflict: task ${advice.taskId} does not merge cleanly into ${milestoneBranch}${files}`;
  return [
    what,
    `  worktree: ${advice.worktree}${advice.worktreeExists ? '' : ' (missing: the first step adds it again)'}`,
    `  to resolve it by hand: run \`git merge\`, edit the files it names, then commit and execute:`,
    ...advice.steps.map((step) => `    ${step}`),
  ];
}

/**
 * Every conflicted task of a milestone with its worktree, files and steps. The files come from
 * the last failed merge or refused resolution in the log; nothing here runs git.
 */
export function conflictsOf(
  store: Store,
  milestone: {
    id: string;
    branch: string;
    tasks: ReadonlyArray<Pick<TaskState, 'id' | 'status' | 'reason'>>;
  },
  where: { repoRoot: string; worktreeRoot: string },
): ConflictAdvice[] {
  const conflicted = milestone.tasks.filter((t) => t.status === 'conflicted');
  if (conflicted.length === 0) return [];
  const files = new Map<string, string[]>();
  for (const event of store.events(milestone.id, {
    types: ['outcome'],
    steps: ['merge', 'hand_resolution'],
  })) {
    if (event.type !== 'outcome' || event.ok || !event.taskId) continue;
    const detail = event.detail ?? {};
    const list =
      event.step === 'merge' ? detail.conflicts : event.step === 'hand_resolution' ? detail.files : null;
    if (Array.isArray(list)) files.set(event.taskId, list.map(String));
  }
  return conflicted.map((task) => {
    const worktree = taskWorktreePath(where.worktreeRoot, where.repoRoot, milestone.id, task.id);
    const worktreeExists = existsSync(worktree);
    const branch = taskBranch(milestone.id, task.id);
    return {
      taskId: task.id,
      branch,
      files: files.get(task.id) ?? [],
      worktree,
      worktreeExists,
      reason: task.reason,
      steps: conflictSteps({
        milestoneId: milestone.id,
        milestoneBranch: milestone.branch,
        taskBranch: branch,
        worktree,
        worktreeExists,
        repoRoot: where.repoRoot,
      }),
    };
  });
}
