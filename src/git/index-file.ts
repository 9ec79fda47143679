import { readFileSync } from 'node:fs';
import { lazyCrypto } from '../store/lazy-crypto.js';

/**
 * A worktree's index as `git write-tree` sees it: every entry at stage 0 (mode, id, path) and
 * the cache tree (the tree ids of folders no change touched since git last wrote them). Read
 * from git's file (Documentation/technical/index-format.txt, versions 2 to 4), so a task's
 * commit needs no git process for its tree.
 */
export interface IndexSnapshot {
  /** Full paths in index order, as latin1 strings of their bytes. */
  paths: string[];
  /** Each entry's mode (e.g. 0o100644). */
  modes: number[];
  /** The entries (stat data and ids are views of the file's bytes). */
  entries: IndexEntry[];
  /** Each entry's object id: offset of its raw bytes in {@link data} (its stat data: the 40 bytes before). */
  oidAt: number[];
  /** The index file's bytes. */
  data: Buffer;
  /**
   * Where each entry's bytes are in a version-2 file (`starts[i]` to `starts[i + 1]`), so a
   * rewrite copies the runs of unchanged entries in one piece; null for versions 3 and 4.
   */
  layout: { data: Buffer; starts: Uint32Array } | null;
  hashBytes: number;
  /** The cache tree's root, or null when the index has none. */
  cacheTree: CacheTreeNode | null;
  /**
   * Some entry is marked assume-unchanged or skip-worktree (sparse checkout): git skips its
   * file, so whoever compares the worktree with this index must leave that to git.
   */
  flagged: boolean;
  /** The index file's version (2 to 4). */
  version: number;
  /**
   * Every cache-tree node has entries below it (true for an index this process wrote; one git
   * wrote may keep a node of a folder whose files were removed).
   */
  pruned: boolean;
}

/**
 * One index entry: the path (latin1 string of its bytes), the mode, the raw object id and git's
 * 40 bytes of stat data (ctime, mtime, dev, ino, mode, uid, gid, size, each 32 bits big-endian,
 * as in the index file). Snapshots share entries: never changed once made.
 */
export interface IndexEntry {
  path: string;
  mode: number;
  oid: Buffer;
  stat: Buffer;
}

/** One folder of the index's cache tree (extension `TREE`). */
export interface CacheTreeNode {
  /** Entries below this folder; -1 when invalidated (a change inside since the tree was written). */
  entryCount: number;
  /** The folder's tree id when valid. */
  oid: string | null;
  children: Map<string, CacheTreeNode>;
}

/** Why an index is left to git: anything `write-tree` would treat in a way this reader does not. */
export type IndexProblem =
  | 'missing'
  | 'format'
  | 'checksum'
  /** Unmerged entries (a conflict): `git commit` refuses them with its own message. */
  | 'unmerged'
  /** `git add -N` entries: write-tree leaves them out. */
  | 'intent-to-add'
  /** A split index (`link`), a sparse index (`sdir`) or another extension git requires readers to know. */
  | 'extension'
  /** A mode git does not write into trees (e.g. a sparse folder entry). */
  | 'mode';

const ENTRY_FIXED = 40; // ctime, mtime, dev, ino, mode, uid, gid, size: 10 x 32 bits
const FLAG_ASSUME_VALID = 0x8000;
const FLAG_EXTENDED = 0x4000;
const FLAG_STAGE = 0x3000;
const FLAG_NAME_LENGTH = 0x0fff;
const EXTENDED_INTENT_TO_ADD = 0x2000;
/** Modes an index entry may have that a tree holds as is. */
const TREE_MODES = new Set([0o100644, 0o100755, 0o120000, 0o160000]);

/**
 * Reads the index at `path` (`hashBytes`: 20 for SHA-1, 32 for SHA-256); a problem instead when
 * it holds anything that must go through git (see {@link IndexProblem}).
 */
export function readIndex(path: string, hashBytes: number): IndexSnapshot | { problem: IndexProblem } {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return { problem: 'missing' };
  }
  return parseIndex(data, hashBytes);
}

/** Parses an index file's bytes (see {@link readIndex}). */
export function parseIndex(data: Buffer, hashBytes: number): IndexSnapshot | { problem: IndexProblem } {
  if (data.length < 12 + hashBytes || data.toString('latin1', 0, 4) !== 'DIRC') return { problem: 'format' };
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) return { problem: 'format' };
  const end = data.length - hashBytes;
  const trailer = data.subarray(end);
  // git may skip the checksum (index.skipHash): then it is all zero.
  if (trailer.some((byte) => byte !== 0)) {
    // Loaded on first use (an ES import of node:crypto costs `plan --from` its WebCrypto too).
    const digest = lazyCrypto()
      .createHash(hashBytes === 32 ? 'sha256' : 'sha1')
      .update(data.subarray(0, end))
      .digest();
    if (!digest.equals(trailer)) return { problem: 'checksum' };
  }
  const count = data.readUInt32BE(8);
  const paths: string[] = new Array(count);
  const modes: number[] = new Array(count);
  const entries: IndexEntry[] = new Array(count);
  const oidAt: number[] = new Array(count);
  const starts = version === 2 ? new Uint32Array(count + 1) : null;
  let at = 12;
  let previous = '';
  let flagged = false;
  for (let i = 0; i < count; i++) {
    const start = at;
    if (at + ENTRY_FIXED + hashBytes + 2 > end) return { problem: 'format' };
    const mode = data.readUInt32BE(at + 24);
    const oid = at + ENTRY_FIXED;
    const flags = data.readUInt16BE(oid + hashBytes);
    at = oid + hashBytes + 2;
    if (flags & FLAG_ASSUME_VALID) flagged = true;
    if (flags & FLAG_EXTENDED) {
      if (version < 3) return { problem: 'format' };
      const extended = data.readUInt16BE(at);
      if (extended & EXTENDED_INTENT_TO_ADD) return { problem: 'intent-to-add' };
      if (extended !== 0) flagged = true;
      at += 2;
    }
    if (flags & FLAG_STAGE) return { problem: 'unmerged' };
    if (!TREE_MODES.has(mode)) return { problem: 'mode' };
    let name: string;
    if (version === 4) {
      // The path: drop N bytes of the previous one (a varint), append the NUL-terminated rest.
      const [strip, used] = varint(data, at);
      if (strip < 0 || strip > previous.length) return { problem: 'format' };
      at += used;
      const nul = data.indexOf(0, at);
      if (nul < 0 || nul >= end) return { problem: 'format' };
      name = previous.slice(0, previous.length - strip) + data.toString('latin1', at, nul);
      at = nul + 1;
    } else {
      const length = flags & FLAG_NAME_LENGTH;
      const nul = length < FLAG_NAME_LENGTH ? at + length : data.indexOf(0, at);
      if (nul < 0 || nul >= end || data[nul] !== 0) return { problem: 'format' };
      name = data.toString('latin1', at, nul);
      // Padded with 1-8 NULs to a multiple of 8 bytes from the entry's start.
      at = start + ((nul - start + 8) & ~7);
    }
    if (name === '' || (i > 0 && name <= previous)) return { problem: 'format' };
    paths[i] = name;
    modes[i] = mode;
    entries[i] = {
      path: name,
      mode,
      oid: data.subarray(oid, oid + hashBytes),
      stat: data.subarray(start, start + ENTRY_FIXED),
    };
    oidAt[i] = oid;
    if (starts) starts[i] = start;
    previous = name;
  }
  if (starts) starts[count] = at;
  let cacheTree: CacheTreeNode | null = null;
  while (at + 8 <= end) {
    const signature = data.toString('latin1', at, at + 4);
    const size = data.readUInt32BE(at + 4);
    const body = at + 8;
    if (body + size > end) return { problem: 'format' };
    // Upper-case first letter: optional; anything else (link, sdir, ...) must be understood.
    const first = signature.charCodeAt(0);
    if (first < 65 || first > 90) return { problem: 'extension' };
    if (signature === 'TREE') {
      const parsed = parseCacheTree(data, body, body + size, hashBytes);
      if (!parsed) return { problem: 'format' };
      cacheTree = parsed;
    }
    at = body + size;
  }
  if (at !== end) return { problem: 'format' };
  const layout = starts ? { data, starts } : null;
  return {
    paths,
    modes,
    entries,
    oidAt,
    data,
    layout,
    hashBytes,
    cacheTree,
    flagged,
    version,
    pruned: false,
  };
}

/** git's varint (varint.c): 7 bits a byte, each continuation adding one before the shift. */
function varint(data: Buffer, at: number): [number, number] {
  let byte = data[at]!;
  let value = byte & 127;
  let used = 1;
  while (byte & 128) {
    if (used > 4 || at + used >= data.length) return [-1, used];
    value += 1;
    byte = data[at + used]!;
    value = value * 128 + (byte & 127);
    used++;
  }
  return [value, used];
}

/** The `TREE` extension: pre-order nodes of `path NUL count SP subtrees LF [oid]`. */
function parseCacheTree(data: Buffer, start: number, end: number, hashBytes: number): CacheTreeNode | null {
  let at = start;
  const node = (): [string, CacheTreeNode] | null => {
    const nul = data.indexOf(0, at);
    if (nul < 0 || nul >= end) return null;
    const name = data.toString('latin1', at, nul);
    const lf = data.indexOf(10, nul);
    if (lf < 0 || lf >= end) return null;
    const match = /^(-?\d+) (\d+)$/.exec(data.toString('latin1', nul + 1, lf));
    if (!match) return null;
    const entryCount = Number(match[1]);
    const subtrees = Number(match[2]);
    at = lf + 1;
    let oid: string | null = null;
    if (entryCount >= 0) {
      if (at + hashBytes > end) return null;
      oid = data.toString('hex', at, at + hashBytes);
      at += hashBytes;
    }
    const children = new Map<string, CacheTreeNode>();
    for (let i = 0; i < subtrees; i++) {
      const child = node();
      if (!child) return null;
      children.set(child[0], child[1]);
    }
    return [name, { entryCount, oid, children }];
  };
  const root = node();
  return root && at === end ? root[1] : null;
}

/** How {@link indexTrees} writes a tree object and checks that a tree it reuses exists. */
export interface TreeStore {
  write(data: Buffer): Promise<string>;
  /** Whether every one of these tree ids is in the repository. */
  exist(ids: readonly string[]): Promise<boolean>;
}

/**
 * The root tree id of `index`, as `git write-tree` computes it: folders whose cache-tree entry is
 * valid (and covers exactly the entries below them) keep their tree id, the others are written.
 * Null when a reused tree is missing from the repository (then git decides).
 */
export async function indexTree(index: IndexSnapshot, store: TreeStore): Promise<string | null> {
  const reused: string[] = [];
  const cached = index.cacheTree;
  if (cached?.oid && cached.entryCount === index.paths.length)
    return (await store.exist([cached.oid])) ? cached.oid : null;
  const root = await buildTree(index, store, '', 0, index.paths.length, index.cacheTree, reused);
  if (reused.length > 0 && !(await store.exist(reused))) return null;
  return root;
}

const MODE_TEXT = new Map([
  [0o100644, '100644'],
  [0o100755, '100755'],
  [0o120000, '120000'],
  [0o160000, '160000'],
]);

/** Writes the tree of the entries [from, to) (all below `prefix`) and returns its id. */
async function buildTree(
  index: IndexSnapshot,
  store: TreeStore,
  prefix: string,
  from: number,
  to: number,
  cache: CacheTreeNode | null,
  reused: string[],
): Promise<string> {
  const { paths, entries, hashBytes } = index;
  // First the folders' ids (written depth first), then the tree's bytes in one buffer sized up front.
  const items: Array<{ name: string; entry: number; folder: Buffer | null }> = [];
  let size = 0;
  let i = from;
  while (i < to) {
    const path = paths[i]!;
    const slash = path.indexOf('/', prefix.length);
    if (slash < 0) {
      const name = path.slice(prefix.length);
      items.push({ name, entry: i, folder: null });
      size += MODE_TEXT.get(entries[i]!.mode)!.length + name.length + 2 + hashBytes;
      i++;
      continue;
    }
    const name = path.slice(prefix.length, slash);
    const folder = `${prefix}${name}/`;
    let j = i + 1;
    while (j < to && paths[j]!.startsWith(folder)) j++;
    const node = cache?.children.get(name) ?? null;
    let id: string;
    if (node?.oid && node.entryCount === j - i) {
      id = node.oid;
      reused.push(id);
    } else {
      id = await buildTree(index, store, folder, i, j, node, reused);
    }
    items.push({ name, entry: -1, folder: Buffer.from(id, 'hex') });
    size += 5 + name.length + 2 + hashBytes;
    i = j;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const { name, entry, folder } of items) {
    const mode = folder ? '40000' : MODE_TEXT.get(entries[entry]!.mode)!;
    for (let k = 0; k < mode.length; k++) out[at++] = mode.charCodeAt(k);
    out[at++] = 32;
    // Names are latin1 strings of their bytes: a byte loop beats a `write` call for short names.
    for (let k = 0; k < name.length; k++) out[at++] = name.charCodeAt(k);
    out[at++] = 0;
    at += (folder ?? entries[entry]!.oid).copy(out, at, 0, hashBytes);
  }
  return store.write(out);
}
