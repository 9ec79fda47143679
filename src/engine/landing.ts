import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { ExitError } from '../errors.js';
import { commitTree, gitExec, revParse, updateRefCas } from '../git/git.js';
import { TRAILER } from './naming.js';

/** What already landed on a milestone branch, read from commit trailers (newest commit wins). */
export interface Landed {
  tasks: Map<string, string>;
  phases: Map<Phase, string>;
}

/** Which landings count for the plan being run (see {@link landedFor}). */
export interface LandedFilter {
  /** Lineages whose commits count ('' = commits without a `Milestone-Run:` trailer); all when absent. */
  runs?: ReadonlySet<string>;
  /** Each phase's tasks in the plan: a phase commit counts only once all of them had landed. */
  phaseTasks?: ReadonlyMap<Phase, readonly string[]>;
  /** Where the range starts instead of the base branch (after `finish`, the base holds it all). */
  since?: string;
}

/**
 * Reads the trailers of commits on `branch` that are not on `base`. This, not the store, is the
 * truth about what landed: a crash between moving the branch and recording it is repaired here.
 */
export async function landedOnBranch(
  cwd: string,
  branch: string,
  base: string,
  milestoneId: string,
  filter: LandedFilter = {},
): Promise<Landed> {
  const landed: Landed = { tasks: new Map(), phases: new Map() };
  if (!(await revParse(cwd, `refs/heads/${branch}`))) return landed;
  const format = ['%H', TRAILER.milestone, TRAILER.task, TRAILER.phase, TRAILER.run, TRAILER.reverted]
    .map((key, i) => (i === 0 ? key : `%(trailers:key=${key},valueonly,separator=%x2C)`))
    .join('%x1f');
  // Topological order: a revert always comes after the landing it undoes, a re-landing after it.
  const { stdout } = await gitExec(cwd, [
    'log',
    '--topo-order',
    `--format=${format}%x1e`,
    `${filter.since ?? `refs/heads/${base}`}..refs/heads/${branch}`,
  ]);
  const list = (text: string | undefined) =>
    (text ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  // Oldest first, so a phase commit is judged by the tasks that had landed before it; a later
  // commit for the same task or phase replaces an earlier one (newest wins).
  for (const record of stdout.split('\x1e').reverse()) {
    const [sha, milestone, tasks, phases, run, reverted] = record.trim().split('\x1f');
    if (!sha || milestone?.trim() !== milestoneId) continue;
    if (filter.runs && !filter.runs.has(run?.trim() ?? '')) continue;
    const undone = list(reverted);
    for (const task of list(tasks)) {
      // A revert (`Reverted: <landing>`) cancels that landing of its task: net of reverts,
      // a task has landed when its newest landing was not reverted after it.
      if (undone.length === 0) landed.tasks.set(task, sha);
      else if (undone.includes(landed.tasks.get(task) ?? '')) landed.tasks.delete(task);
    }
    for (const phase of list(phases) as Phase[]) {
      const needed = filter.phaseTasks?.get(phase) ?? [];
      if (needed.every((task) => landed.tasks.has(task))) landed.phases.set(phase, sha);
    }
  }
  return landed;
}

/**
 * What landed for this milestone's plan: only commits of its lineage (or of lineages adopted
 * with `plan --adopt-branch`), and phase commits made after every task of the phase landed. A
 * branch left by an earlier, different plan of the same id therefore counts for nothing.
 */
export function landedFor(
  cwd: string,
  state: Pick<MilestoneState, 'id' | 'branch' | 'base' | 'plan' | 'runId' | 'adoptedRuns'>,
): Promise<Landed> {
  const phaseTasks = new Map<Phase, string[]>();
  for (const task of state.plan.tasks)
    phaseTasks.set(task.phase, [...(phaseTasks.get(task.phase) ?? []), task.id]);
  const filter: LandedFilter = { phaseTasks };
  if (state.runId) filter.runs = new Set([state.runId, ...(state.adoptedRuns ?? [])]);
  return landedOnBranch(cwd, state.branch, state.base, state.id, filter);
}

/** The distinct lineages ('' = no trailer) of the milestone's commits on `branch` since `base`. */
export async function runsOnBranch(
  cwd: string,
  branch: string,
  base: string,
  milestoneId: string,
): Promise<{ runs: string[]; tasks: string[]; commits: number }> {
  if (!(await revParse(cwd, `refs/heads/${branch}`))) return { runs: [], tasks: [], commits: 0 };
  const format = ['%H', TRAILER.milestone, TRAILER.task, TRAILER.run]
    .map((key, i) => (i === 0 ? key : `%(trailers:key=${key},valueonly,separator=%x2C)`))
    .join('%x1f');
  const { stdout } = await gitExec(cwd, [
    'log',
    `--format=${format}%x1e`,
    `refs/heads/${base}..refs/heads/${branch}`,
  ]);
  const runs = new Set<string>();
  const tasks = new Set<string>();
  let commits = 0;
  for (const record of stdout.split('\x1e')) {
    const [sha, milestone, taskList, run] = record.trim().split('\x1f');
    if (!sha) continue;
    commits += 1;
    if (milestone?.trim() !== milestoneId) continue;
    runs.add(run?.trim() ?? '');
    for (const task of (taskList ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean))
      tasks.add(task);
  }
  return { runs: [...runs], tasks: [...tasks], commits };
}

/** `Key: value` lines for a commit message. */
export function trailerBlock(trailers: Record<string, string>): string {
  return Object.entries(trailers)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
}

/**
 * Commits `files` (path -> content) on top of `branch` without a checkout: a private temporary
 * index, `write-tree`, `commit-tree`, then a compare-and-swap move of the branch. With
 * `parent`, the new commit's parent is that commit instead of the head (a squash).
 */
export async function commitFilesOnto(
  cwd: string,
  branch: string,
  files: Record<string, string>,
  message: string,
  options: { parent?: string } = {},
): Promise<string> {
  const head = await revParse(cwd, `refs/heads/${branch}`);
  if (!head) throw new ExitError('MILESTONE_NO_BRANCH', `branch ${branch} does not exist`);
  const dir = mkdtempSync(join(tmpdir(), 'milestone-index-'));
  const env = { GIT_INDEX_FILE: join(dir, 'index') };
  try {
    await gitExec(cwd, ['read-tree', head], { env });
    // Two git processes for all the files, not two per file: each content goes to a file of the
    // private folder, one `hash-object -w --no-filters` stores them all (as `--stdin` did: no
    // filters), one `update-index -z --index-info` adds them all.
    const entries = Object.entries(files);
    if (entries.length > 0) {
      const sources = entries.map(([, content], i) => {
        const source = join(dir, `blob-${i}`);
        writeFileSync(source, content);
        return source;
      });
      const { stdout } = await gitExec(cwd, ['hash-object', '-w', '--no-filters', '--', ...sources]);
      const blobs = stdout.split('\n').filter(Boolean);
      if (blobs.length !== entries.length) {
        throw new Error(`git hash-object answered ${blobs.length} ids for ${entries.length} files`);
      }
      const info = entries.map(([path], i) => `100644 blob ${blobs[i]}\t${path}\0`).join('');
      await gitExec(cwd, ['update-index', '-z', '--index-info'], { env, input: info });
    }
    const { stdout: tree } = await gitExec(cwd, ['write-tree'], { env });
    // With `parent`, the head's tree is committed on top of an older commit: the squash of
    // everything since it (commit strategy `phase`).
    const sha = await commitTree(cwd, tree.trim(), [options.parent ?? head], message);
    if (!(await updateRefCas(cwd, branch, sha, head))) {
      throw new ExitError(
        'MILESTONE_BRANCH_MOVED',
        `${branch} moved while committing; another writer is active`,
      );
    }
    return sha;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
