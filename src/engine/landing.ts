import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Phase } from '../core/types.js';
import { ExitError } from '../errors.js';
import { commitTree, gitExec, revParse, updateRefCas } from '../git/git.js';
import { TRAILER } from './naming.js';

/** What already landed on a milestone branch, read from commit trailers (newest commit wins). */
export interface Landed {
  tasks: Map<string, string>;
  phases: Map<Phase, string>;
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
): Promise<Landed> {
  const landed: Landed = { tasks: new Map(), phases: new Map() };
  if (!(await revParse(cwd, `refs/heads/${branch}`))) return landed;
  const format = ['%H', TRAILER.milestone, TRAILER.task, TRAILER.phase]
    .map((key, i) => (i === 0 ? key : `%(trailers:key=${key},valueonly,separator=%x2C)`))
    .join('%x1f');
  const { stdout } = await gitExec(cwd, [
    'log',
    `--format=${format}%x1e`,
    `refs/heads/${base}..refs/heads/${branch}`,
  ]);
  for (const record of stdout.split('\x1e')) {
    const [sha, milestone, tasks, phases] = record.trim().split('\x1f');
    if (!sha || milestone?.trim() !== milestoneId) continue;
    for (const task of (tasks ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)) {
      if (!landed.tasks.has(task)) landed.tasks.set(task, sha);
    }
    for (const phase of (phases ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (!landed.phases.has(phase as Phase)) landed.phases.set(phase as Phase, sha);
    }
  }
  return landed;
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
    for (const [path, content] of Object.entries(files)) {
      const { stdout: blob } = await gitExec(cwd, ['hash-object', '-w', '--stdin'], { input: content });
      await gitExec(cwd, ['update-index', '--add', '--cacheinfo', `100644,${blob.trim()},${path}`], { env });
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
