import { gitExec } from '../../git/git.js';
import { TRAILER } from '../naming.js';

/** One task landing on the milestone branch's first-parent line (a merge, or a fast-forward commit). */
export interface BranchLanding {
  sha: string;
  taskId: string;
  /** A merge (parallel style) is undone with `revert -m 1`; a fast-forward commit plainly. */
  merge: boolean;
  /** The first parent: the branch before this landing. */
  parent: string;
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
    const parentIds = (parents ?? '').trim().split(/\s+/);
    history.landings.push({ sha, taskId, merge: parentIds.length > 1, parent: parentIds[0] ?? '' });
  }
  return history;
}

/** A path a landing changed against its first parent, with git's status letter (A, M, D, T). */
export interface LandingChange {
  status: string;
  path: string;
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Paths each landing changed against its first parent, for many landings in one
 * `git diff-tree --stdin` process (a process per landing was a visible share of a big run).
 */
export async function landingChanges(
  cwd: string,
  landings: ReadonlyArray<{ sha: string; parent: string }>,
): Promise<Map<string, LandingChange[]>> {
  const changes = new Map<string, LandingChange[]>(landings.map((l) => [l.sha, []]));
  if (landings.length === 0) return changes;
  const { stdout } = await gitExec(
    cwd,
    ['diff-tree', '--stdin', '-r', '--name-status', '--no-renames', '-z'],
    {
      input: `${landings.map((l) => `${l.sha} ${l.parent}`).join('\n')}\n`,
    },
  );
  // `<commit>\0` before each commit's changes, then `<status>\0<path>\0` pairs: a status is a
  // letter, never an object id, so an id where a status belongs starts the next commit.
  const parts = stdout.split('\0');
  let current: LandingChange[] | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    if (OBJECT_ID.test(part)) {
      current = changes.get(part);
      continue;
    }
    const path = parts[++i];
    if (current && path !== undefined) current.push({ status: part, path });
  }
  return changes;
}

/** Whether `ancestor` is an ancestor of (or equal to) `commit`. */
export async function isAncestor(cwd: string, ancestor: string, commit: string): Promise<boolean> {
  const { exitCode } = await gitExec(cwd, ['merge-base', '--is-ancestor', ancestor, commit], {
    allowExitCodes: [1, 128],
  });
  return exitCode === 0;
}
