import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitError } from '../errors.js';
import { gitExec } from '../git/git.js';
import { formatBytes } from '../process/process-limits.js';

/** Thrown before a new slot is made when its disk lacks the space; nothing was created. */
export const DISK_SPACE_CODE = 'MILESTONE_DISK_SPACE';

/** Refusals of a new slot (no space, no git-lfs): the task does not start and the run halts. */
export const SLOT_REFUSALS: ReadonlySet<string> = new Set([DISK_SPACE_CODE, 'MILESTONE_LFS_MISSING']);

/** Bytes of the files a checkout of `commit` writes (blob sizes from `git ls-tree -r -l`). */
export async function checkoutBytes(repoRoot: string, commit: string): Promise<number> {
  const { stdout } = await gitExec(repoRoot, ['ls-tree', '-r', '-l', '-z', commit]);
  let total = 0;
  // "<mode> SP <type> SP <object> SP+ <size> TAB <path>"; submodules have "-" as size.
  for (const entry of stdout.split('\0')) {
    const size = Number(/^\S+ \S+ \S+ +(\d+)\t/.exec(entry)?.[1]);
    if (Number.isFinite(size)) total += size;
  }
  return total;
}

/** Free bytes for an unprivileged writer on the file system holding `path` (or its nearest parent). */
export function freeBytes(path: string): number | null {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    } catch {
      if (dirname(dir) === dir) return null;
    }
  }
}

/**
 * Refuses to create a worktree slot in `slotsDir` when its file system has less free space than
 * the checkout of `startPoint` plus `minFreeBytes`: a checkout that fills the disk half way
 * leaves a broken worktree and starves the store. Checked before anything is created.
 */
export async function checkSlotSpace(
  repoRoot: string,
  slotsDir: string,
  startPoint: string,
  minFreeBytes: number,
): Promise<void> {
  const free = freeBytes(slotsDir);
  if (free === null) return;
  const checkout = await checkoutBytes(repoRoot, startPoint);
  const needed = checkout + minFreeBytes;
  if (free >= needed) return;
  throw new ExitError(
    DISK_SPACE_CODE,
    `not enough disk space for a new worktree slot in ${slotsDir}: it needs ${formatBytes(needed)} ` +
      `(checkout ${formatBytes(checkout)} + limits.minFreeMb ${formatBytes(minFreeBytes)}), ${formatBytes(free)} is free; ` +
      'free space there or set worktrees.dir to another disk, then run execute again',
  );
}
