import type { ObjectReader } from './object-batch.js';
import { compareNames } from './raw-tree.js';

/** One path whose blob differs between two trees (`null`: absent on that side); modes as numbers (0o100644). */
export interface BlobChange {
  path: string;
  from: { mode: number; oid: string } | null;
  to: { mode: number; oid: string } | null;
}

/** Where {@link diffTrees} reads tree objects (the repository's long-lived `cat-file --batch`). */
export type TreeReader = Pick<ObjectReader, 'read'>;

const SPACE = 32;
const TREE_MODE = '40000';
const BLOB_MODES = new Map([
  ['100644', 0o100644],
  ['100755', 0o100755],
  ['120000', 0o120000],
]);

/**
 * The blob paths that differ between the trees `fromOid` and `toOid` (null: an empty tree), into
 * `changes`, as `git diff-tree -r` lists them; a reason instead when a path changes between file
 * and folder, a submodule or a mode git does not check out as a file is involved (read-tree's
 * business), a tree is missing or malformed, or there are more than `limit` changes.
 *
 * Trees are compared as git's bytes: a folder whose id did not change is not read, and in a
 * folder that is read, runs of identical entries are skipped by native comparisons of growing
 * stretches of bytes (galloping), so only the entries that differ are decoded. A 5,000-entry
 * root folder with a few new files costs one scan for its entries' offsets and a few dozen
 * comparisons, where a parse made two strings and a map entry per entry, for each side.
 */
export async function diffTrees(
  objects: TreeReader,
  from: RootTree | null,
  to: RootTree | null,
  hashBytes: number,
  changes: BlobChange[],
  limit: number,
): Promise<string | null> {
  // The root trees' bytes came with their ids (`<commit>^{tree}`): not read a second time.
  const known = new Map<string, Buffer>();
  for (const tree of [from, to]) if (tree) known.set(tree.oid, tree.data);
  // Once the answer is known, folders still being walked (a reason found beside them) read
  // nothing more: no read reaches a reader the caller may close (or a repository it removes).
  let answered = false;
  const reader: TreeReader = {
    read: async (oid) => {
      if (answered) return null;
      const data = known.get(oid);
      return data ? { oid, type: 'tree', data } : objects.read(oid);
    },
  };
  try {
    return await diffFolder(reader, from?.oid ?? null, to?.oid ?? null, hashBytes, '', changes, limit);
  } finally {
    answered = true;
  }
}

/** A tree whose bytes the caller has already read. */
export interface RootTree {
  oid: string;
  data: Buffer;
}

async function diffFolder(
  objects: TreeReader,
  fromOid: string | null,
  toOid: string | null,
  hashBytes: number,
  prefix: string,
  changes: BlobChange[],
  limit: number,
): Promise<string | null> {
  if (fromOid === toOid) return null;
  const [a, b] = await Promise.all([readTree(objects, fromOid), readTree(objects, toOid)]);
  if (!a || !b) return 'tree';
  const differing = differingEntries(a, b, hashBytes);
  if (differing === null) return 'tree';
  const below: Array<Promise<string | null>> = [];
  for (const [name, { before, after }] of differing) {
    if (before && after && before.mode === after.mode && before.oid === after.oid) continue;
    const path = `${prefix}${name}`;
    const aTree = before?.mode === TREE_MODE;
    const bTree = after?.mode === TREE_MODE;
    if (changes.length > limit) return abandon(below, 'large');
    if (before && after && aTree !== bTree) return abandon(below, 'file and folder');
    if (aTree || bTree) {
      below.push(
        diffFolder(objects, before?.oid ?? null, after?.oid ?? null, hashBytes, `${path}/`, changes, limit),
      );
      continue;
    }
    const fromMode = before ? BLOB_MODES.get(before.mode) : null;
    const toMode = after ? BLOB_MODES.get(after.mode) : null;
    if (fromMode === undefined || toMode === undefined) return abandon(below, 'submodule');
    changes.push({
      path,
      from: before && fromMode ? { mode: fromMode, oid: before.oid } : null,
      to: after && toMode ? { mode: toMode, oid: after.oid } : null,
    });
  }
  for (const reason of await Promise.all(below)) if (reason) return reason;
  return changes.length > limit ? 'large' : null;
}

/**
 * Returns `reason`, leaving the folders still being walked in `below` to end on their own: a
 * read of theirs that fails later (the reader closed) is no unhandled rejection.
 */
function abandon(below: ReadonlyArray<Promise<string | null>>, reason: string): string {
  for (const walk of below) walk.catch(() => undefined);
  return reason;
}

async function readTree(objects: TreeReader, oid: string | null): Promise<Buffer | null> {
  if (oid === null) return Buffer.alloc(0);
  const object = await objects.read(oid);
  return object?.type === 'tree' ? object.data : null;
}

/** A decoded entry (mode as git wrote it, id in hex). */
interface Decoded {
  mode: string;
  oid: string;
}

/**
 * The entries of two raw trees that are not byte for byte in both, by name (before: in `a`,
 * after: in `b`); null when the bytes are not trees. Both are walked in git's order; a stretch
 * of entries that is the same in both is skipped with a few native comparisons. A name whose
 * entry is the same in both once decoded (only in a tree not in git's order) is left to the
 * caller to drop.
 */
export function differingEntries(
  a: Buffer,
  b: Buffer,
  hashBytes: number,
): Map<string, { before?: Decoded; after?: Decoded }> | null {
  const out = new Map<string, { before?: Decoded; after?: Decoded }>();
  const as = entryStarts(a, hashBytes);
  const bs = entryStarts(b, hashBytes);
  if (!as || !bs) return null;
  const na = as.length - 1;
  const nb = bs.length - 1;
  let i = 0;
  let j = 0;
  const take = (data: Buffer, at: number, side: 'before' | 'after') => {
    const space = data.indexOf(SPACE, at);
    const nul = data.indexOf(0, space + 1);
    const name = data.toString('latin1', space + 1, nul);
    const entry = {
      mode: data.toString('latin1', at, space),
      oid: data.toString('hex', nul + 1, nul + 1 + hashBytes),
    };
    const seen = out.get(name);
    if (seen) seen[side] = entry;
    else out.set(name, { [side]: entry });
  };
  while (i < na && j < nb) {
    // Gallop over the stretch both trees share from here: 1, 2, 4, ... entries at a time.
    let step = 1;
    while (i < na && j < nb) {
      const n = Math.min(step, na - i, nb - j);
      const length = as[i + n]! - as[i]!;
      if (bs[j + n]! - bs[j]! === length && a.compare(b, bs[j]!, bs[j + n]!, as[i]!, as[i + n]!) === 0) {
        i += n;
        j += n;
        step *= 2;
      } else if (n > 1) step = 1;
      else break;
    }
    if (i >= na || j >= nb) break;
    // Entries i and j differ: the one whose name comes first in git's order is only on its side.
    const order = compareAt(a, as[i]!, b, bs[j]!);
    if (order <= 0) take(a, as[i++]!, 'before');
    if (order >= 0) take(b, bs[j++]!, 'after');
  }
  while (i < na) take(a, as[i++]!, 'before');
  while (j < nb) take(b, bs[j++]!, 'after');
  return out;
}

/** git's order of the entries at `x` in `a` and `y` in `b` (by name, a folder as if its name ended in `/`). */
function compareAt(a: Buffer, x: number, b: Buffer, y: number): number {
  const xs = a.indexOf(SPACE, x);
  const xe = a.indexOf(0, xs + 1);
  const ys = b.indexOf(SPACE, y);
  const ye = b.indexOf(0, ys + 1);
  return compareNames(a, xs + 1, xe, isFolder(a, x, xs), b, ys + 1, ye, isFolder(b, y, ys));
}

/** Whether the octal mode at `data[at..end)` is a folder's. */
function isFolder(data: Buffer, at: number, end: number): boolean {
  let value = 0;
  for (let i = at; i < end; i++) value = value * 8 + (data[i]! - 48);
  return (value & 0o170000) === 0o040000;
}

/**
 * Each entry's offset in a raw tree, then its length (entries are `mode SP name NUL id`; neither
 * mode nor name holds a NUL); null when the bytes are not a tree.
 */
export function entryStarts(data: Buffer, hashBytes: number): Uint32Array | null {
  const starts: number[] = [];
  let at = 0;
  const end = data.length;
  while (at < end) {
    starts.push(at);
    // Byte loops: a native call per entry costs more than the few bytes it would skip.
    let space = at;
    while (space < end && data[space] !== SPACE && data[space] !== 0) space++;
    let nul = space + 1;
    while (nul < end && data[nul] !== 0) nul++;
    if (space === at || data[space] !== SPACE || nul === space + 1 || nul >= end) return null;
    at = nul + 1 + hashBytes;
  }
  if (at !== end) return null;
  starts.push(end);
  return Uint32Array.from(starts);
}
