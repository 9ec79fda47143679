import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheTreeNode, IndexSnapshot } from './index-file.js';

/**
 * One index entry as this process rewrites the index: the path (latin1 string of its bytes),
 * the mode, the raw object id and git's 40 bytes of stat data (ctime, mtime, dev, ino, mode,
 * uid, gid, size, each 32 bits big-endian, as in the index file).
 */
export interface IndexEntry {
  path: string;
  mode: number;
  oid: Buffer;
  stat: Buffer;
}

const STAT_BYTES = 40;
const MASK32 = 0xffffffffn;
const BILLION = 1_000_000_000n;

/** The entries of a parsed index, in its order (stat data and ids are views of its bytes). */
export function indexEntries(index: IndexSnapshot): IndexEntry[] {
  const { paths, modes, oidAt, data, hashBytes } = index;
  const entries: IndexEntry[] = new Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const at = oidAt[i]!;
    entries[i] = {
      path: paths[i]!,
      mode: modes[i]!,
      oid: data.subarray(at, at + hashBytes),
      stat: data.subarray(at - STAT_BYTES, at),
    };
  }
  return entries;
}

/** git's stat data of a file for its index entry (`fill_stat_data`: each field cut to 32 bits). */
export function statData(st: BigIntStats, mode: number): Buffer {
  const out = Buffer.alloc(STAT_BYTES);
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

/** The index file's modification time, or null when it cannot be read. */
export function indexStamp(gitDir: string): IndexStamp | null {
  try {
    return { seconds: Math.floor(statSync(join(gitDir, 'index')).mtimeMs / 1000) };
  } catch {
    return null;
  }
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
  const now = statData(st, modeOfStat(st) ?? 0);
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
 * their tree ids are written again at the next commit.
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

/** Drops cache-tree nodes of folders no entry is under any more (removed folders). */
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

/**
 * The bytes of an index file (version 2; the `TREE` extension only: the untracked cache and
 * fsmonitor data describe the old worktree, git rebuilds them) holding `entries`, which must be
 * in git's order (by path bytes), followed by its checksum.
 */
export function serializeIndex(
  entries: readonly IndexEntry[],
  cacheTree: CacheTreeNode | null,
  hashBytes: number,
): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  parts.push(header);
  for (const entry of entries) {
    const nameLength = entry.path.length;
    const fixed = STAT_BYTES + hashBytes + 2;
    // Padded with 1-8 NULs to a multiple of 8 bytes.
    const size = (fixed + nameLength + 8) & ~7;
    const out = Buffer.alloc(size);
    entry.stat.copy(out, 0, 0, STAT_BYTES);
    out.writeUInt32BE(entry.mode, 24);
    entry.oid.copy(out, STAT_BYTES);
    out.writeUInt16BE(Math.min(nameLength, 0xfff), STAT_BYTES + hashBytes);
    out.write(entry.path, fixed, 'latin1');
    parts.push(out);
  }
  if (cacheTree) {
    const body = Buffer.concat(cacheTreeBytes('', cacheTree));
    const head = Buffer.alloc(8);
    head.write('TREE', 0, 'latin1');
    head.writeUInt32BE(body.length, 4);
    parts.push(head, body);
  }
  const data = Buffer.concat(parts);
  const digest = createHash(hashBytes === 32 ? 'sha256' : 'sha1')
    .update(data)
    .digest();
  return Buffer.concat([data, digest]);
}

/** A cache-tree node and its children, pre-order, children in git's order (name length, then bytes). */
function cacheTreeBytes(name: string, node: CacheTreeNode): Buffer[] {
  const children = [...node.children].sort(([a], [b]) =>
    a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0,
  );
  const valid = node.entryCount >= 0 && node.oid !== null;
  const parts: Buffer[] = [
    Buffer.from(`${name}\0${valid ? node.entryCount : -1} ${children.length}\n`, 'latin1'),
  ];
  if (valid) parts.push(Buffer.from(node.oid!, 'hex'));
  for (const [childName, child] of children) parts.push(...cacheTreeBytes(childName, child));
  return parts;
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

  /** Renamed asynchronously: on ext4 a rename over an existing file waits for the new one's blocks (ms of wall time). */
  async commit(data: Buffer): Promise<void> {
    const fd = this.fd;
    if (fd === null) throw new Error('index lock already released');
    try {
      writeSync(fd, data);
    } catch (error) {
      this.release();
      throw error;
    }
    closeSync(fd);
    this.fd = null;
    try {
      await rename(join(this.gitDir, 'index.lock'), join(this.gitDir, 'index'));
    } catch (error) {
      rmSync(join(this.gitDir, 'index.lock'), { force: true });
      throw error;
    }
  }

  release(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    rmSync(join(this.gitDir, 'index.lock'), { force: true });
  }
}
