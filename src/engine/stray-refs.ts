import { realpathSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import type { AgentAdapter } from '../agents/adapter.js';
import { gitExec, listWorktrees } from '../git/git.js';
import { milestoneBranch } from './naming.js';

/**
 * What an agent could change in the repository outside its worktree's files: branches, tags,
 * worktrees, and which branch its own worktree has checked out. Plain data.
 */
export interface RepoSnapshot {
  /** Full ref name -> object id, for `refs/heads/*` and `refs/tags/*`. */
  refs: Record<string, string>;
  /** Canonical paths of registered worktrees -> their branch (short name) or `null`. */
  worktrees: Record<string, string | null>;
  /** The task's worktree's checked-out branch (full ref), or `null` when detached. */
  ownHead: string | null;
}

/** Where the engine itself may create branches and worktrees while the attempt runs. */
export interface StrayScope {
  milestoneId: string;
  /** The folder holding the milestone's worktrees (pool slots and kept conflicted ones). */
  worktreeDir: string;
  /** The repository's pool of worktree slots, shared by runs (other tasks' slots appear there). */
  slotsDir?: string;
  /** The attempt's own worktree. */
  worktree: string;
}

/** Branches, tags, worktrees and the worktree's head, read in three git calls. */
export async function snapshotRepo(repoRoot: string, worktree: string): Promise<RepoSnapshot> {
  const { stdout } = await gitExec(repoRoot, [
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    'refs/heads',
    'refs/tags',
  ]);
  const refs: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const [ref, sha] = line.split(' ');
    if (ref && sha) refs[ref] = sha;
  }
  const worktrees: Record<string, string | null> = {};
  for (const w of await listWorktrees(repoRoot)) if (!w.prunable) worktrees[canonical(w.path)] = w.branch;
  const head = await gitExec(worktree, ['symbolic-ref', '-q', 'HEAD'], { allowExitCodes: [1] });
  return { refs, worktrees, ownHead: head.exitCode === 0 ? head.stdout.trim() : null };
}

/**
 * What changed between two snapshots that neither the engine nor the task's own worktree
 * accounts for, one line each: a branch or tag created, moved or deleted outside the
 * milestone's namespace (`milestone/<id>`, `milestone/<id>.tasks/*`), a worktree added anywhere
 * but as a direct child of the milestone's worktree folder (Claude's `EnterWorktree` adds one
 * inside the task's worktree), and the task's worktree switched to another branch. Pure.
 */
export function strayChanges(before: RepoSnapshot, after: RepoSnapshot, scope: StrayScope): string[] {
  const own = `refs/heads/${milestoneBranch(scope.milestoneId)}`;
  const engineRef = (ref: string) => ref === own || ref.startsWith(`${own}.tasks/`);
  const stray: string[] = [];
  const short = (ref: string) =>
    ref.replace(/^refs\/(heads|tags)\//, (_, kind: string) => (kind === 'tags' ? 'tag ' : 'branch '));
  for (const [ref, sha] of Object.entries(after.refs)) {
    if (engineRef(ref)) continue;
    const old = before.refs[ref];
    if (old === undefined) stray.push(`${short(ref)} created at ${sha.slice(0, 12)}`);
    else if (old !== sha) stray.push(`${short(ref)} moved from ${old.slice(0, 12)} to ${sha.slice(0, 12)}`);
  }
  for (const ref of Object.keys(before.refs)) {
    if (!engineRef(ref) && after.refs[ref] === undefined) stray.push(`${short(ref)} deleted`);
  }
  const dirs = [scope.worktreeDir, ...(scope.slotsDir ? [scope.slotsDir] : [])].map(canonical);
  const mine = canonical(scope.worktree);
  for (const [path, branch] of Object.entries(after.worktrees)) {
    if (Object.hasOwn(before.worktrees, path)) continue;
    const engineSlot = dirs.includes(dirname(path)) && !(path === mine || path.startsWith(`${mine}${sep}`));
    if (!engineSlot) stray.push(`worktree ${path} added${branch ? ` on branch ${branch}` : ''}`);
  }
  if (after.ownHead !== before.ownHead) {
    stray.push(
      `the task's worktree was switched from ${before.ownHead ? short(before.ownHead) : 'a detached head'} to ${
        after.ownHead ? short(after.ownHead) : 'a detached head'
      }`,
    );
  }
  return stray;
}

/**
 * Checks after an attempt's agent run: the reason the attempt fails, naming every stray change
 * and how to remove it, or `null` when the agent stayed in its worktree.
 */
export async function checkStrays(
  repoRoot: string,
  before: RepoSnapshot,
  scope: StrayScope,
): Promise<{ reason: string; stray: string[] } | null> {
  const stray = strayChanges(before, await snapshotRepo(repoRoot, scope.worktree), scope);
  if (stray.length === 0) return null;
  return {
    stray,
    reason: `sandbox: the agent changed the repository outside its task branch: ${stray.join('; ')} (left as they are for you to inspect; remove with \`git worktree remove --force --force <path>\` and \`git branch -D <branch>\`)`,
  };
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Snapshots the repository before an attempt and returns the check to run after its agent:
 * the failure reason when the agent strayed (also passed to `onStray` for the live view).
 */
export async function guardRepo(
  repoRoot: string,
  scope: StrayScope,
  onStray: (reason: string) => void,
): Promise<() => Promise<string | null>> {
  const before = await snapshotRepo(repoRoot, scope.worktree);
  return async () => {
    const found = await checkStrays(repoRoot, before, scope);
    if (found) onStray(found.reason);
    return found?.reason ?? null;
  };
}

/**
 * Whether an adapter is the built-in `shell` agent, which runs the plan's own `run` command
 * (written by the person who planned it, not chosen by a model): it is not checked for strays.
 */
export function isShellAgent(adapter: AgentAdapter): boolean {
  return adapter.name === 'shell' && adapter.resumeArgs === undefined;
}
