import type { BigIntStats } from 'node:fs';
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexProblem, IndexSnapshot } from './index-file.js';
import { parseIndex } from './index-file.js';
import type { IndexStamp } from './index-write.js';

/**
 * A worktree's parsed index, kept between the readers and writers of this process (the slot
 * switch, the capture, the commit) and across tasks, so a task parses its slot's index only
 * when something else wrote it. An entry is used only while the file's stat data (size, mtime
 * and ctime in nanoseconds, inode) is the one it was read or written with: git writes a new
 * file and renames it over the index (a new inode), and any write changes the mtime and ctime.
 * (Not seen: a writer that rewrites the file in place with the same size within one tick of the
 * file system's clock.)
 */
const cache = new Map<string, { key: string; snapshot: IndexSnapshot }>();
/** Slots are few; tests make many repositories. Oldest entries go first. */
const MAX_ENTRIES = 64;

/** How many loads were answered from memory and how many parsed the file (tests). */
export const indexCacheCounts = { hits: 0, parses: 0 };

function keyOf(st: BigIntStats): string {
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`;
}

/**
 * The index of the worktree whose git folder is `gitDir` and its stamp (when it was written, for
 * racy-git checks), from memory when the file is the one last seen; a problem when it is missing
 * or must go through git. The snapshot is shared: never change it (`updateIndex` makes a new one).
 */
export function loadIndex(
  gitDir: string,
  hashBytes: number,
): { index: IndexSnapshot; stamp: IndexStamp } | { problem: IndexProblem } {
  const path = join(gitDir, 'index');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { problem: 'missing' };
  }
  try {
    // The stat data and the bytes of one open file: a rename over the index in between cannot mix them.
    const st = fstatSync(fd, { bigint: true });
    const stamp = { seconds: Number(st.mtimeNs / 1_000_000_000n) };
    const key = keyOf(st);
    const known = cache.get(path);
    if (known && known.key === key && known.snapshot.hashBytes === hashBytes) {
      indexCacheCounts.hits += 1;
      return { index: known.snapshot, stamp };
    }
    indexCacheCounts.parses += 1;
    const parsed = parseIndex(readFileSync(fd), hashBytes);
    if ('problem' in parsed) {
      cache.delete(path);
      return parsed;
    }
    remember(path, key, parsed);
    return { index: parsed, stamp };
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps `snapshot` as the content of the index file at `path`, which this process just wrote
 * (`written`: the new file's stat data taken before it was renamed there). Kept only when the
 * file there is still that one (same inode, size and mtime): else someone replaced it already.
 */
export function rememberIndex(path: string, written: BigIntStats, snapshot: IndexSnapshot): void {
  cache.delete(path);
  let st: BigIntStats;
  try {
    st = statSync(path, { bigint: true });
  } catch {
    return;
  }
  if (st.ino !== written.ino || st.size !== written.size || st.mtimeNs !== written.mtimeNs) return;
  remember(path, keyOf(st), snapshot);
}

function remember(path: string, key: string, snapshot: IndexSnapshot): void {
  cache.delete(path);
  cache.set(path, { key, snapshot });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}

/**
 * Forgets every kept index (tests).
 * @internal
 */
export function clearIndexCache(): void {
  cache.clear();
}
