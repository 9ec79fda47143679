import { gitExec } from '../../git/git.js';
import { TRAILER } from '../naming.js';

/** One task landing on the milestone branch's first-parent line (a merge, or a fast-forward commit). */
export interface BranchLanding {
  sha: string;
  taskId: string;
  /** A merge (parallel style) is undone with `revert -m 1`; a fast-forward commit plainly. */
  merge: boolean;
}

/** The first-parent history of a range, read from trailers: landings, and which were reverted. */
export interface BranchHistory {
  /** Task landings, oldest first, reverted ones included (with their place in the history). */
  landings: BranchLanding[];
  /** Landings undone by a revert commit in the range (`Reverted: <sha>`). */
  reverted: Set<string>;
}

/**
 * The task landings on `to`'s first-parent line after `from` (exclusive): the batch an
 * integration check covers. Phase commits and revert commits are not landings.
 */
export async function branchHistory(
  cwd: string,
  from: string,
  to: string,
  milestoneId: string,
): Promise<BranchHistory> {
  const keys = [TRAILER.milestone, TRAILER.task, TRAILER.phase, TRAILER.reverted];
  const format = ['%H', '%P', ...keys.map((key) => `%(trailers:key=${key},valueonly,separator=%x2C)`)].join(
    '%x1f',
  );
  const { stdout } = await gitExec(cwd, [
    'log',
    '--first-parent',
    '--reverse',
    `--format=${format}%x1e`,
    `${from}..${to}`,
  ]);
  const history: BranchHistory = { landings: [], reverted: new Set() };
  for (const record of stdout.split('\x1e')) {
    const [sha, parents, milestone, task, phase, reverted] = record.trim().split('\x1f');
    if (!sha || milestone?.trim() !== milestoneId) continue;
    const undone = (reverted ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const landing of undone) history.reverted.add(landing);
    const taskId = task?.split(',')[0]?.trim();
    if (!taskId || undone.length > 0 || phase?.trim()) continue;
    history.landings.push({ sha, taskId, merge: (parents ?? '').trim().split(/\s+/).length > 1 });
  }
  return history;
}

/** Paths a landing changed against its first parent, with git's status letter (A, M, D, R...). */
export async function landingChanges(
  cwd: string,
  sha: string,
): Promise<Array<{ status: string; path: string }>> {
  const { stdout } = await gitExec(cwd, ['diff', '--name-status', '--no-renames', '-z', `${sha}^1`, sha]);
  const parts = stdout.split('\0').filter(Boolean);
  const changes: Array<{ status: string; path: string }> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) changes.push({ status: parts[i]!, path: parts[i + 1]! });
  return changes;
}

/** Whether `ancestor` is an ancestor of (or equal to) `commit`. */
export async function isAncestor(cwd: string, ancestor: string, commit: string): Promise<boolean> {
  const { exitCode } = await gitExec(cwd, ['merge-base', '--is-ancestor', ancestor, commit], {
    allowExitCodes: [1, 128],
  });
  return exitCode === 0;
}
