import type { TreeEntry } from './object-batch.js';

/** A tree entry with its name (the raw bytes as a latin1 string: git names are bytes). */
export interface NamedEntry extends TreeEntry {
  name: string;
}

/** What changed at one name between two trees: the entry before and after (absent: none). */
export interface EntryChange {
  before?: TreeEntry;
  after?: TreeEntry;
}

/** One change to a tree's entries for {@link RawTree.splice}. */
export interface TreeEdit {
  /** Index of the entry it replaces or removes, or before which it inserts. */
  at: number;
  /** Whether the entry at `at` goes (replaced or deleted). */
  remove: boolean;
  /** The entry put there, if any. */
  insert?: NamedEntry;
}

const SPACE = 32;
const SLASH = 47;
/** Modes as git writes them today; a tree holding another is not canonical. */
const CANONICAL = ['100644', '40000', '100755', '120000', '160000'];
/** Chunk of the native prefix/suffix comparisons (one `Buffer.compare` each). */
const CHUNK = 4096;

/**
 * A tree object kept as git's bytes, with the offset of each entry found on first use: a lookup
 * is a binary search in git's order, a merge of a few changed entries splices their bytes into
 * the rest (two copies of memory, no string or object per entry). A 5,000-entry folder (the
 * root of a 5,000-task run of the flat bench) was parsed into a `Map` and written out again
 * per landing before: 6–10 ms of the coordinator's CPU each, now a few tens of microseconds.
 */
export class RawTree {
  private index: Uint32Array | null;
  private flags: { ordered: boolean; canonical: boolean } | null;

  /**
   * @param data the tree object's content; `hashBytes` is 20 (SHA-1) or 32 (SHA-256)
   * @param starts each entry's offset and then `data.length`, when known (a spliced tree)
   */
  constructor(
    readonly data: Buffer,
    readonly hashBytes: number,
    starts?: Uint32Array,
  ) {
    this.index = starts ?? null;
    this.flags = starts ? { ordered: true, canonical: true } : null;
  }

  /** Each entry's offset, then `data.length`. Throws {@link MalformedTree} for bytes that are not a tree. */
  get starts(): Uint32Array {
    if (this.index === null) this.build();
    return this.index!;
  }

  get count(): number {
    return this.starts.length - 1;
  }

  /** Whether the entries are strictly in git's order (no duplicate names). */
  get ordered(): boolean {
    if (this.flags === null) this.build();
    return this.flags!.ordered;
  }

  /** Whether every mode is one git writes today. */
  get canonical(): boolean {
    if (this.flags === null) this.build();
    return this.flags!.canonical;
  }

  /** The entry at index `i`. */
  entry(i: number): NamedEntry {
    return readEntry(this.data, this.starts[i]!, this.hashBytes)!.entry;
  }

  /** The entry named `name` (file or folder) and its index, or undefined. */
  find(name: string): { index: number; entry: NamedEntry } | undefined {
    const key = Buffer.from(name, 'latin1');
    for (const dir of [false, true]) {
      const i = this.lowerBound(key, dir);
      if (i < this.count && this.compareAt(i, key, dir) === 0) return { index: i, entry: this.entry(i) };
    }
    return undefined;
  }

  /** Index of the first entry not before `name` (a folder when `dir`) in git's order. */
  lowerBound(name: Buffer, dir: boolean): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compareAt(mid, name, dir) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * The tree with `edits` applied, which are sorted by `at` (at one index: insertions in git's
   * order, then the removal or replacement of the entry there) and keep git's order.
   */
  splice(edits: readonly TreeEdit[]): RawTree {
    const starts = this.starts;
    const parts: Buffer[] = [];
    let added = 0;
    for (const edit of edits) added += (edit.insert ? 1 : 0) - (edit.remove ? 1 : 0);
    const out = new Uint32Array(this.count + added + 1);
    let k = 0;
    let size = 0;
    let from = 0;
    // Copies the entries from `from` up to `to` and moves `from` there.
    const copy = (to: number) => {
      if (to <= from) return;
      const shift = size - starts[from]!;
      for (let j = from; j < to; j++) out[k++] = starts[j]! + shift;
      parts.push(this.data.subarray(starts[from]!, starts[to]!));
      size += starts[to]! - starts[from]!;
      from = to;
    };
    for (const edit of edits) {
      copy(edit.at);
      if (edit.insert) {
        const bytes = entryBytes(edit.insert, this.hashBytes);
        out[k++] = size;
        parts.push(bytes);
        size += bytes.length;
      }
      if (edit.remove) from = edit.at + 1;
    }
    copy(this.count);
    out[k] = size;
    return new RawTree(Buffer.concat(parts, size), this.hashBytes, out);
  }

  /** git's order of entry `i` against `name` (a folder when `dir`): negative when the entry comes first. */
  private compareAt(i: number, name: Buffer, dir: boolean): number {
    const at = this.starts[i]!;
    const { data } = this;
    let space = at;
    while (data[space] !== SPACE) space++;
    let nul = space + 1;
    while (data[nul] !== 0) nul++;
    return compareNames(data, space + 1, nul, isDirMode(data, at, space), name, 0, name.length, dir);
  }

  private build(): void {
    const { data, hashBytes } = this;
    const starts: number[] = [];
    let ordered = true;
    let canonical = true;
    let at = 0;
    let previous = -1;
    let previousEnd = 0;
    let previousDir = false;
    while (at < data.length) {
      let space = at;
      while (space < data.length && data[space] !== SPACE) space++;
      let nul = space + 1;
      while (nul < data.length && data[nul] !== 0) nul++;
      if (space === at || space >= data.length || nul + 1 + hashBytes > data.length)
        throw new MalformedTree();
      const dir = isDirMode(data, at, space);
      if (canonical && knownMode(data, at, space) === undefined) canonical = false;
      if (
        previous >= 0 &&
        compareNames(data, previous, previousEnd, previousDir, data, space + 1, nul, dir) >= 0
      )
        ordered = false;
      starts.push(at);
      previous = space + 1;
      previousEnd = nul;
      previousDir = dir;
      at = nul + 1 + hashBytes;
    }
    starts.push(data.length);
    this.index = Uint32Array.from(starts);
    this.flags = { ordered, canonical };
  }
}

/** Bytes that do not parse as a tree object. */
export class MalformedTree extends Error {
  constructor() {
    super('malformed tree object');
  }
}

/**
 * The entries that differ between `base` and `other` (indexed or not), by name: the common
 * leading and trailing bytes are found by native comparisons and only the entries between are
 * read, so the cost follows the changes, not the folder's size (`other` is never indexed).
 * Null when `other`'s changed entries are not a well-formed tree in git's order.
 */
export function changedEntries(base: RawTree, other: RawTree): Map<string, EntryChange> | null {
  const a = base.data;
  const b = other.data;
  const { hashBytes, starts } = base;
  const changes = new Map<string, EntryChange>();
  const prefix = commonPrefix(a, b);
  if (prefix === a.length && prefix === b.length) return changes;
  const suffix = Math.min(commonSuffix(a, b), Math.min(a.length, b.length) - prefix);
  const delta = b.length - a.length;
  // The base entry holding the first differing byte starts where `other`'s does (same bytes before).
  const first = upperBound(starts, prefix) - 1;
  const start = starts[first]!;
  let last: NameAt | null = first > 0 ? readEntry(a, starts[first - 1]!, hashBytes) : null;
  // Read `other` entry by entry until the rest is byte for byte the base's from one of its
  // entries on (the end of both is such a point, so this ends).
  let at = start;
  let end: number;
  for (;;) {
    const inBase = at - delta;
    if (inBase >= start && inBase >= a.length - suffix) {
      const found = upperBound(starts, inBase) - 1;
      if (starts[found] === inBase) {
        end = found;
        break;
      }
    }
    const read = readEntry(b, at, hashBytes);
    if (read === null || (last !== null && compareEntries(last, read) >= 0)) return null;
    // A name twice (a file and a folder): not a tree git writes.
    if (changes.has(read.entry.name)) return null;
    last = read;
    changes.set(read.entry.name, { after: { mode: read.entry.mode, oid: read.entry.oid } });
    at = read.next;
  }
  // The entries read must also come before the first one after them.
  if (last !== null && end < base.count && compareEntries(last, readEntry(a, starts[end]!, hashBytes)!) >= 0)
    return null;
  for (let i = first; i < end; i++) {
    const { name, mode, oid } = base.entry(i);
    const after = changes.get(name)?.after;
    if (after && after.mode === mode && after.oid === oid) changes.delete(name);
    else changes.set(name, after ? { before: { mode, oid }, after } : { before: { mode, oid } });
  }
  return changes;
}

/** An entry read at an offset: where its name is, whether it is a folder, and where the next starts. */
interface NameAt {
  data: Buffer;
  nameStart: number;
  nameEnd: number;
  dir: boolean;
  next: number;
  entry: NamedEntry;
}

/** The entry at `at`, or null when the bytes there are not one. */
function readEntry(data: Buffer, at: number, hashBytes: number): NameAt | null {
  let space = at;
  while (space < data.length && data[space] !== SPACE) space++;
  let nul = space + 1;
  while (nul < data.length && data[nul] !== 0) nul++;
  if (space === at || space >= data.length || nul + 1 + hashBytes > data.length) return null;
  const mode = knownMode(data, at, space) ?? data.toString('latin1', at, space);
  const entry: NamedEntry = {
    name: data.toString('latin1', space + 1, nul),
    mode,
    oid: data.toString('hex', nul + 1, nul + 1 + hashBytes),
  };
  const dir = isDirMode(data, at, space);
  return { data, nameStart: space + 1, nameEnd: nul, dir, next: nul + 1 + hashBytes, entry };
}

function compareEntries(x: NameAt, y: NameAt): number {
  return compareNames(x.data, x.nameStart, x.nameEnd, x.dir, y.data, y.nameStart, y.nameEnd, y.dir);
}

/**
 * git's order of tree entries (`base_name_compare`): by name bytes, a folder compared as if its
 * name ended in `/`. Negative when `a[as..ae)` comes first.
 */
export function compareNames(
  a: Buffer,
  as: number,
  ae: number,
  aDir: boolean,
  b: Buffer,
  bs: number,
  be: number,
  bDir: boolean,
): number {
  const la = ae - as;
  const lb = be - bs;
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  const ca = la > n ? a[as + n]! : aDir ? SLASH : 0;
  const cb = lb > n ? b[bs + n]! : bDir ? SLASH : 0;
  return ca - cb;
}

/** Whether the octal mode at `data[at..end)` is a folder's (040000, however many leading zeros). */
function isDirMode(data: Buffer, at: number, end: number): boolean {
  let value = 0;
  for (let i = at; i < end; i++) value = value * 8 + (data[i]! - 48);
  return (value & 0o170000) === 0o040000;
}

/** The mode at `data[at..end)` as one shared string when it is one git writes (no string per entry). */
function knownMode(data: Buffer, at: number, end: number): string | undefined {
  next: for (const mode of CANONICAL) {
    if (mode.length !== end - at) continue;
    for (let i = 0; i < mode.length; i++) if (data[at + i] !== mode.charCodeAt(i)) continue next;
    return mode;
  }
  return undefined;
}

/** Whether `mode` is one git writes today. */
export function isCanonicalMode(mode: string): boolean {
  return CANONICAL.includes(mode);
}

/** An entry's bytes: mode, space, name, NUL, the binary id. */
function entryBytes(entry: NamedEntry, hashBytes: number): Buffer {
  const size = entry.mode.length + 1 + entry.name.length + 1 + hashBytes;
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.write(entry.mode, 0, 'latin1');
  bytes[at++] = SPACE;
  at += bytes.write(entry.name, at, 'latin1');
  bytes[at++] = 0;
  if (bytes.write(entry.oid, at, 'hex') !== hashBytes) throw new Error(`not an object id: ${entry.oid}`);
  return bytes;
}

/** Length of the bytes `a` and `b` start with alike. */
function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let at = 0;
  while (at < n) {
    const end = Math.min(at + CHUNK, n);
    if (a.compare(b, at, end, at, end) !== 0) break;
    at = end;
  }
  while (at < n && a[at] === b[at]) at++;
  return at;
}

/** Length of the bytes `a` and `b` end with alike. */
function commonSuffix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let length = 0;
  while (length < n) {
    const step = Math.min(CHUNK, n - length);
    if (
      a.compare(
        b,
        b.length - length - step,
        b.length - length,
        a.length - length - step,
        a.length - length,
      ) !== 0
    )
      break;
    length += step;
  }
  while (length < n && a[a.length - 1 - length] === b[b.length - 1 - length]) length++;
  return length;
}

/** Index of the first of the sorted `values` greater than `value`. */
function upperBound(values: Uint32Array, value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
