import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { closeSync, fstatSync, openSync, rmSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { rememberIndex } from './index-cache.js';
import type { CacheTreeNode, IndexEntry, IndexSnapshot } from './index-file.js';

export type { IndexEntry };

const STAT_BYTES = 40;
const MASK32 = 0xffffffffn;
const BILLION = 1_000_000_000n;

/** The entries of a parsed index, in its order (stat data and ids are views of its bytes; shared, never to be changed). */
export function indexEntries(index: IndexSnapshot): IndexEntry[] {
  return index.entries;
}

/** git's stat data of a file for its index entry (`fill_stat_data`: each field cut to 32 bits). */
export function statData(st: BigIntStats, mode: number): Buffer {
  return writeStatData(Buffer.allocUnsafe(STAT_BYTES), st, mode);
}

/** {@link statData} into `out` (40 bytes). */
function writeStatData(out: Buffer, st: BigIntStats, mode: number): Buffer {
  out.writeUInt32BE(Number((st.ctimeNs / BILLION) & MASK32), 0);
  out.writeUInt32BE(Number(st.ctimeNs % BILLION), 4);
  out.writeUInt32BE(Number((st.mtimeNs / BILLION) & MASK32), 8);
  out.writeUInt32BE(Number(st.mtimeNs % BILLION), 12);
  out.writeUInt32BE(Number(st.dev & MASK32), 16);
  out.writeUInt32BE(Number(st.ino & MASK32), 20);
  out.writeUInt32BE(mode, 24);
  out.writeUInt32BE(Number(st.uid & MASK32), 28);
  out.writeUInt32BE(Number(st.gid & MASK32), 32);
  out.writeUInt32BE(Number(st.size & MASK32), 36);
  return out;
}

const scratchStat = Buffer.alloc(STAT_BYTES);

/** The index mode git gives a file it finds (`ce_mode_from_stat` with `core.fileMode` on); null for other kinds. */
export function modeOfStat(st: BigIntStats): number | null {
  if (st.isSymbolicLink()) return 0o120000;
  if (st.isFile()) return (Number(st.mode) & 0o100) !== 0 ? 0o100755 : 0o100644;
  return null;
}

/** When the index file was last written, as git's racy-git check reads it. */
export interface IndexStamp {
  seconds: number;
}

/**
 * Whether an entry's recorded stat data still describes the file `st` (`clean`), whether it
 * does but cannot be trusted (`racy`: the file was written in the same second as the index or
 * later, so a change of the same size in that second would not show; git re-reads such files),
 * or the file changed (`changed`). Compared as git compares (`ce_match_stat_basic`), minus the
 * device, plus the exact mode: more `changed` answers than git gives only cost a hash.
 */
export function statMatch(
  entry: IndexEntry,
  st: BigIntStats,
  stamp: IndexStamp,
): 'clean' | 'racy' | 'changed' {
  // One scratch buffer: this runs for every index entry a capture compares.
  const now = writeStatData(scratchStat, st, 0);
  const old = entry.stat;
  for (let at = 0; at < STAT_BYTES; at += 4) {
    if (at === 16) continue; // st_dev: git leaves it out unless built with USE_STDEV
    if (at === 24) continue; // the mode: compared below, as the entry's own
    if (old.readUInt32BE(at) !== now.readUInt32BE(at)) return 'changed';
  }
  if (modeOfStat(st) !== entry.mode) return 'changed';
  // Racily clean (git's is_racy_timestamp), in whole seconds: some file systems keep no more.
  return old.readUInt32BE(8) >= stamp.seconds ? 'racy' : 'clean';
}

/** A blob's object id, as git computes it for `data` (`blob <size>\0` then the bytes). */
export function blobId(data: Buffer, hashBytes: number): Buffer {
  return createHash(hashBytes === 32 ? 'sha256' : 'sha1')
    .update(`blob ${data.length}\0`)
    .update(data)
    .digest();
}

/**
 * Marks the folders above `path` as changed in the cache tree (git's `cache_tree_invalidate_path`):
 * their tree ids are written again at the next commit. Changes `root` in place.
 */
export function invalidatePath(root: CacheTreeNode | null, path: string): void {
  let node = root;
  let from = 0;
  while (node) {
    node.entryCount = -1;
    node.oid = null;
    const slash = path.indexOf('/', from);
    if (slash < 0) return;
    node = node.children.get(path.slice(from, slash)) ?? null;
    from = slash + 1;
  }
}

/** Drops cache-tree nodes of folders no entry is under any more (removed folders). Changes `root` in place. */
export function pruneCacheTree(root: CacheTreeNode | null, entries: readonly IndexEntry[]): void {
  if (!root) return;
  const folders = new Set<string>();
  for (const { path } of entries) {
    let slash = path.indexOf('/');
    while (slash >= 0) {
      folders.add(path.slice(0, slash));
      slash = path.indexOf('/', slash + 1);
    }
  }
  const walk = (node: CacheTreeNode, prefix: string) => {
    for (const [name, child] of node.children) {
      const folder = `${prefix}${name}`;
      if (!folders.has(folder)) node.children.delete(name);
      else walk(child, `${folder}/`);
    }
  };
  walk(root, '');
}

/** {@link pruneCacheTree} for a tree whose every folder had entries: only folders above `removed` paths are looked at. */
function pruneAbove(root: CacheTreeNode, removed: readonly string[], paths: readonly string[]): void {
  for (const path of removed) {
    const chain: Array<{ parent: CacheTreeNode; name: string; folder: string }> = [];
    let node = root;
    let from = 0;
    for (;;) {
      const slash = path.indexOf('/', from);
      if (slash < 0) break;
      const name = path.slice(from, slash);
      const child = node.children.get(name);
      if (!child) break;
      chain.push({ parent: node, name, folder: path.slice(0, slash + 1) });
      node = child;
      from = slash + 1;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const { parent, name, folder } = chain[i]!;
      const at = lowerBound(paths, folder);
      if (at < paths.length && paths[at]!.startsWith(folder)) break;
      parent.children.delete(name);
    }
  }
}

/** A deep copy of a cache tree (snapshots are shared: a change works on its own copy). */
export function cloneCacheTree(node: CacheTreeNode): CacheTreeNode {
  const children = new Map<string, CacheTreeNode>();
  for (const [name, child] of node.children) children.set(name, cloneCacheTree(child));
  return { entryCount: node.entryCount, oid: node.oid, children };
}

/** An index after a change: its snapshot (what the file will hold) and the file's bytes. */
export interface UpdatedIndex {
  snapshot: IndexSnapshot;
  data: Buffer;
}

/**
 * `base` with `updated` applied (an entry replaced or added, or removed when null) and the cache
 * tree invalidated above each path of `invalidated` and each removed one, as a new snapshot and
 * the bytes of its file (version 2, see {@link serializeIndex}). `base` is left as it is (it may
 * be shared through the index cache); unchanged entries are the same objects, and when `base`
 * came from a version-2 file its runs of unchanged entries are copied in one piece each. The
 * work follows the number of changes, plus one copy of the file's bytes and its checksum.
 */
export function updateIndex(
  base: IndexSnapshot,
  updated: ReadonlyMap<string, IndexEntry | null>,
  invalidated: Iterable<string>,
): UpdatedIndex {
  const { paths, entries, modes, hashBytes } = base;
  // Edits in index order: at one position, insertions (by path) before the replaced or removed entry.
  const edits: Array<{ at: number; path: string; replaces: boolean; entry: IndexEntry | null }> = [];
  for (const [path, entry] of updated) {
    const at = lowerBound(paths, path);
    const replaces = at < paths.length && paths[at] === path;
    if (!replaces && entry === null) continue;
    edits.push({ at, path, replaces, entry });
  }
  edits.sort((x, y) => x.at - y.at || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const nextPaths: string[] = [];
  const nextModes: number[] = [];
  const nextEntries: IndexEntry[] = [];
  /** Runs of the base's entries [from, to) kept, and the new entries between them, in order. */
  const pieces: Array<{ from: number; to: number } | IndexEntry> = [];
  let from = 0;
  const keep = (to: number) => {
    if (to <= from) return;
    pieces.push({ from, to });
    for (let i = from; i < to; i++) {
      nextPaths.push(paths[i]!);
      nextModes.push(modes[i]!);
      nextEntries.push(entries[i]!);
    }
    from = to;
  };
  for (const edit of edits) {
    keep(edit.at);
    if (edit.entry) {
      pieces.push(edit.entry);
      nextPaths.push(edit.entry.path);
      nextModes.push(edit.entry.mode);
      nextEntries.push(edit.entry);
    }
    if (edit.replaces) from = edit.at + 1;
  }
  keep(paths.length);

  let cacheTree: CacheTreeNode | null = null;
  if (base.cacheTree) {
    cacheTree = cloneCacheTree(base.cacheTree);
    for (const path of invalidated) invalidatePath(cacheTree, path);
    const removed: string[] = [];
    for (const [path, entry] of updated)
      if (entry === null) {
        invalidatePath(cacheTree, path);
        removed.push(path);
      }
    // A tree this process wrote holds no folder without entries: only folders above removed paths can empty.
    if (base.pruned) pruneAbove(cacheTree, removed, nextPaths);
    else pruneCacheTree(cacheTree, nextEntries);
  }

  const tree = cacheTree ? cacheTreeBytes(cacheTree) : null;
  const fixed = STAT_BYTES + hashBytes + 2;
  let size = 12;
  for (const piece of pieces) {
    if ('path' in piece) size += (fixed + piece.path.length + 8) & ~7;
    else if (base.layout) size += base.layout.starts[piece.to]! - base.layout.starts[piece.from]!;
    else for (let i = piece.from; i < piece.to; i++) size += (fixed + paths[i]!.length + 8) & ~7;
  }
  const entriesEnd = size;
  if (tree) size += 8 + tree.length;
  const data = Buffer.allocUnsafe(size + hashBytes);
  writeHeader(data, nextEntries.length);
  const starts = new Uint32Array(nextEntries.length + 1);
  let at = 12;
  let k = 0;
  for (const piece of pieces) {
    if ('path' in piece) {
      starts[k++] = at;
      at = writeEntry(data, at, piece, hashBytes);
    } else if (base.layout) {
      const { data: source, starts: sourceStarts } = base.layout;
      const shift = at - sourceStarts[piece.from]!;
      for (let i = piece.from; i < piece.to; i++) starts[k++] = sourceStarts[i]! + shift;
      at += source.copy(data, at, sourceStarts[piece.from]!, sourceStarts[piece.to]!);
    } else {
      for (let i = piece.from; i < piece.to; i++) {
        starts[k++] = at;
        at = writeEntry(data, at, entries[i]!, hashBytes);
      }
    }
  }
  starts[k] = at;
  if (at !== entriesEnd) throw new Error('index entries miscounted');
  if (tree) at = writeTreeExtension(data, at, tree);
  writeChecksum(data, at, hashBytes);
  return {
    data,
    snapshot: {
      paths: nextPaths,
      modes: nextModes,
      entries: nextEntries,
      oidAt: Array.from(starts.subarray(0, nextEntries.length), (start) => start + STAT_BYTES),
      data,
      layout: { data, starts },
      hashBytes,
      cacheTree,
      flagged: false,
      version: 2,
      pruned: true,
    },
  };
}

/** Index of the first of the sorted `paths` not before `path` (latin1 strings compare as their bytes). */
export function lowerBound(paths: readonly string[], path: string): number {
  let low = 0;
  let high = paths.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (paths[mid]! < path) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The bytes of an index file (version 2; the `TREE` extension only: the untracked cache and
 * fsmonitor data describe the old worktree, git rebuilds them) holding `entries`, which must be
 * in git's order (by path bytes), followed by its checksum. One buffer, sized up front.
 */
export function serializeIndex(
  entries: readonly IndexEntry[],
  cacheTree: CacheTreeNode | null,
  hashBytes: number,
): Buffer {
  const fixed = STAT_BYTES + hashBytes + 2;
  const tree = cacheTree ? cacheTreeBytes(cacheTree) : null;
  let size = 12;
  for (const entry of entries) size += (fixed + entry.path.length + 8) & ~7;
  if (tree) size += 8 + tree.length;
  const data = Buffer.allocUnsafe(size + hashBytes);
  writeHeader(data, entries.length);
  let at = 12;
  for (const entry of entries) at = writeEntry(data, at, entry, hashBytes);
  if (tree) at = writeTreeExtension(data, at, tree);
  writeChecksum(data, at, hashBytes);
  return data;
}

function writeHeader(data: Buffer, count: number): void {
  data.write('DIRC', 0, 'latin1');
  data.writeUInt32BE(2, 4);
  data.writeUInt32BE(count, 8);
}

/** One version-2 entry at `at` (padded with 1-8 NULs to a multiple of 8 bytes); returns where the next starts. */
function writeEntry(data: Buffer, at: number, entry: IndexEntry, hashBytes: number): number {
  const { path } = entry;
  const fixed = STAT_BYTES + hashBytes + 2;
  const end = at + ((fixed + path.length + 8) & ~7);
  entry.stat.copy(data, at, 0, STAT_BYTES);
  data.writeUInt32BE(entry.mode, at + 24);
  entry.oid.copy(data, at + STAT_BYTES, 0, hashBytes);
  data.writeUInt16BE(Math.min(path.length, 0xfff), at + STAT_BYTES + hashBytes);
  let k = at + fixed;
  for (let i = 0; i < path.length; i++) data[k++] = path.charCodeAt(i);
  data.fill(0, k, end);
  return end;
}

function writeTreeExtension(data: Buffer, at: number, tree: Buffer): number {
  data.write('TREE', at, 'latin1');
  data.writeUInt32BE(tree.length, at + 4);
  return at + 8 + tree.copy(data, at + 8);
}

/** The checksum of `data[0, at)` into `data[at, at + hashBytes)`. */
function writeChecksum(data: Buffer, at: number, hashBytes: number): void {
  createHash(hashBytes === 32 ? 'sha256' : 'sha1')
    .update(data.subarray(0, at))
    .digest()
    .copy(data, at);
}

/** The `TREE` extension's body: nodes pre-order, children in git's order (name length, then bytes). */
function cacheTreeBytes(root: CacheTreeNode): Buffer {
  const parts: Buffer[] = [];
  const visit = (name: string, node: CacheTreeNode) => {
    const children = [...node.children].sort(([a], [b]) =>
      a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0,
    );
    const valid = node.entryCount >= 0 && node.oid !== null;
    parts.push(Buffer.from(`${name}\0${valid ? node.entryCount : -1} ${children.length}\n`, 'latin1'));
    if (valid) parts.push(Buffer.from(node.oid!, 'hex'));
    for (const [childName, child] of children) visit(childName, child);
  };
  visit('', root);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * The worktree's `index.lock`, created exclusively as git creates it (null when it exists: someone
 * else is writing the index). {@link commit} writes the new index and renames it over `index`;
 * {@link release} gives up, leaving the index as it was.
 */
export class IndexLock {
  private constructor(
    private readonly gitDir: string,
    private fd: number | null,
  ) {}

  static take(gitDir: string): IndexLock | null {
    try {
      return new IndexLock(gitDir, openSync(join(gitDir, 'index.lock'), 'wx', 0o644));
    } catch {
      return null;
    }
  }

  /**
   * Renamed asynchronously: on ext4 a rename over an existing file waits for the new one's blocks
   * (ms of wall time). With `snapshot` (what `data` holds), the index cache keeps it for the next
   * reader in this process, keyed by the file's stat data.
   */
  async commit(data: Buffer, snapshot?: IndexSnapshot): Promise<void> {
    const fd = this.fd;
    if (fd === null) throw new Error('index lock already released');
    let written: BigIntStats;
    try {
      writeSync(fd, data);
      written = fstatSync(fd, { bigint: true });
    } catch (error) {
      this.release();
      throw error;
    }
    closeSync(fd);
    this.fd = null;
    const index = join(this.gitDir, 'index');
    try {
      await rename(join(this.gitDir, 'index.lock'), index);
    } catch (error) {
      rmSync(join(this.gitDir, 'index.lock'), { force: true });
      throw error;
    }
    if (snapshot) rememberIndex(index, written, snapshot);
  }

  release(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    rmSync(join(this.gitDir, 'index.lock'), { force: true });
  }
}
