import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitError } from '../errors.js';
import { gitExec } from '../git/git.js';
import { formatBytes } from '../process/process-limits.js';
import { LFS_MISSING_CODE } from './slot-lfs.js';

/** Thrown before a new slot is made when its disk lacks the space; nothing was created. */
export const DISK_SPACE_CODE = 'MILESTONE_DISK_SPACE';

/** Refusals of a new slot (no space, no git-lfs): the task does not start and the run halts. */
export const SLOT_REFUSALS: ReadonlySet<string> = new Set([DISK_SPACE_CODE, LFS_MISSING_CODE]);

/** The figures of a disk-space refusal, as data (a worker words its own advice from them). */
export interface SlotSpaceShortfall {
  /** The slots folder whose file system is short. */
  dir: string;
  /** Free bytes there, and the bytes a new slot needs (`checkout + minFreeBytes`). */
  free: number;
  needed: number;
  checkout: number;
  minFreeBytes: number;
}

/** A new slot refused for lack of disk space; nothing of it was created. */
export class SlotSpaceError extends ExitError {
  constructor(
    message: string,
    readonly shortfall: SlotSpaceShortfall,
  ) {
    super(DISK_SPACE_CODE, message);
  }
}

/** The failure kind of a refused slot, as an attempt outcome carries it. */
export type SlotRefusalKind = 'disk_space' | 'lfs_missing';

/** `disk_space` / `lfs_missing` for a slot refusal thrown by the pool, else null. */
export function slotRefusalKind(error: unknown): SlotRefusalKind | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === DISK_SPACE_CODE) return 'disk_space';
  if (code === LFS_MISSING_CODE) return 'lfs_missing';
  return null;
}

/** `it needs X (checkout C + limits.minFreeMb M), F is free`: the shortfall in words. */
export function describeShortfall(s: SlotSpaceShortfall): string {
  return (
    `it needs ${formatBytes(s.needed)} (checkout ${formatBytes(s.checkout)} + limits.minFreeMb ` +
    `${formatBytes(s.minFreeBytes)}), ${formatBytes(s.free)} is free`
  );
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** Checkout sizes by commit id, oldest first: a commit's tree never changes. */
const sizes = new Map<string, Promise<number>>();
/** A worker lives for many runs: the sizes of this many recent commits are kept. */
const MAX_SIZES = 32;

/**
 * How checkout sizes were had in this process (tests, and `MILESTONE_DEBUG=1` after a run):
 * `listed` by a `git ls-tree -r -l` of the commit, `reused` from an earlier or concurrent one.
 */
export const checkoutSizeCounts = { listed: 0, reused: 0 };

/**
 * Bytes of the files a checkout of `commit` writes (blob sizes from `git ls-tree -r -l`), listed
 * once per commit id: a run's new slots all start at the same head, and concurrent callers share
 * the one `ls-tree` (it reads every tree of the checkout). A failed listing is not kept.
 */
export function checkoutBytes(repoRoot: string, commit: string): Promise<number> {
  if (!OBJECT_ID.test(commit)) return listCheckoutBytes(repoRoot, commit);
  const known = sizes.get(commit);
  if (known) {
    checkoutSizeCounts.reused += 1;
    return known;
  }
  const listing = listCheckoutBytes(repoRoot, commit);
  sizes.set(commit, listing);
  listing.catch(() => sizes.delete(commit));
  if (sizes.size > MAX_SIZES) sizes.delete(sizes.keys().next().value!);
  return listing;
}

async function listCheckoutBytes(repoRoot: string, commit: string): Promise<number> {
  checkoutSizeCounts.listed += 1;
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
  const shortfall = { dir: slotsDir, free, needed, checkout, minFreeBytes };
  throw new SlotSpaceError(
    `not enough disk space for a new worktree slot in ${slotsDir}: ${describeShortfall(shortfall)}; ` +
      'free space there or set worktrees.dir to another disk, then run execute again',
    shortfall,
  );
}
