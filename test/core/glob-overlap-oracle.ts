/**
 * The oracle: src/core/glob-overlap.ts as it was before the `dir/**` shortcut (commit 2519e5d),
 * kept as it was (less `intersectingEntryPairs`, which the test does not call) so
 * test/core/glob-overlap.oracle.property.test.ts can check the current module answers exactly
 * as it did. Brace expansion (`core/glob-braces.ts`) and the result types are the module's own:
 * the test checks the verdicts and the pair search, not them. Not used by the program.
 */
import picomatch from 'picomatch';
import { expandBraces } from '../../src/core/glob-braces.js';
import type { GlobPair, PairFilter } from '../../src/core/glob-overlap.js';

/**
 * Whether two `files` globs of a plan may name a common path. Conservative: `true` whenever
 * an intersection cannot be ruled out cheaply, `false` only when it surely cannot exist.
 *
 * Glob semantics are picomatch's (POSIX separators, dotfiles matched). Paths are relative to
 * the repository root: a leading `./` or `/` is dropped, `.` means the whole repository and a
 * trailing `/` means everything under that folder. A negated glob (`!x`) may intersect anything.
 */
export function globsMayIntersect(a: string, b: string): boolean {
  const left = parseGlob(a);
  const right = parseGlob(b);
  if (left === 'any' || right === 'any') return true;
  return left.some((x) => right.some((y) => shapesMayIntersect(x, y)));
}

/**
 * All pairs of entries (lists of globs, one per task) with some pair of globs that may
 * intersect, ordered by `a` then `b`, optionally narrowed by `keep`. Candidates are bucketed in
 * a trie of each glob's literal leading segments: two globs can only meet when one literal
 * prefix extends the other, so `src/auth/**` is never compared with `docs/*.md` and typical
 * plans stay far from O(n²).
 */
export function intersectingPairs(entries: readonly (readonly string[])[], keep?: PairFilter): GlobPair[] {
  const hits = collectHits(entries);
  const kept = keep?.(hits.pairA, hits.pairB);
  const { width, keys, starts } = hits;
  const pairs: GlobPair[] = [];
  hits.pairA.forEach((a, p) => {
    if (kept && !kept[p]) return;
    const b = hits.pairB[p]!;
    const first = hits.pairStart[p]!;
    const files: Array<[string, string]> = [];
    for (let k = first; k < starts[a + 1]! && secondOf(keys[k]!, width) === b; k++) {
      if (k > first && keys[k] === keys[k - 1]) continue;
      const key = keys[k]!;
      files.push([entries[a]![Math.floor(key / width) % width]!, entries[b]![key % width]!]);
    }
    pairs.push({ a, b, files });
  });
  return pairs;
}

/**
 * Glob pairs that may intersect, packed as numbers `(second entry, slot in first, slot in
 * second)` in base `width`, grouped by first entry (`keys[starts[a]..starts[a + 1]]`, sorted),
 * and the distinct entry pairs with where each one's keys start.
 */
interface Hits {
  width: number;
  starts: Int32Array;
  keys: Float64Array;
  pairA: Int32Array;
  pairB: Int32Array;
  pairStart: Int32Array;
}

function secondOf(key: number, width: number): number {
  return Math.floor(key / width / width);
}

function collectHits(entries: readonly (readonly string[])[]): Hits {
  // Items are globs in entries, as parallel arrays of numbers: this runs for every pair of
  // candidates, so it allocates nothing per pair but two array slots.
  const itemEntry: number[] = [];
  const itemSlot: number[] = [];
  const itemGlob: number[] = [];
  const globs: string[] = [];
  const globId = new Map<string, number>();
  const globPrefixes: Array<ReadonlyArray<readonly string[]>> = [];
  const root = newNode();
  entries.forEach((list, entry) => {
    list.forEach((glob, slot) => {
      let id = globId.get(glob);
      if (id === undefined) {
        id = globs.push(glob) - 1;
        globId.set(glob, id);
        const shapes = parseGlob(glob);
        globPrefixes.push(shapes === 'any' ? [[]] : shapes.map((shape) => shape.prefix));
      }
      for (const prefix of globPrefixes[id]!) {
        insert(root, prefix, itemEntry.length);
        itemEntry.push(entry);
        itemSlot.push(slot);
        itemGlob.push(id);
      }
    });
  });

  const verdicts = verdictCache(globs);
  // A hit is a (first entry, second entry, slot in first, slot in second) packed in a number.
  const width = entries.reduce((max, list) => Math.max(max, list.length), 1);
  const hitEntry: number[] = [];
  const hitKey: number[] = [];
  const consider = (x: number, y: number) => {
    const ex = itemEntry[x]!;
    const ey = itemEntry[y]!;
    if (ex === ey || !verdicts(itemGlob[x]!, itemGlob[y]!)) return;
    if (ex < ey) {
      hitEntry.push(ex);
      hitKey.push((ey * width + itemSlot[x]!) * width + itemSlot[y]!);
    } else {
      hitEntry.push(ey);
      hitKey.push((ex * width + itemSlot[y]!) * width + itemSlot[x]!);
    }
  };

  // Iterative walk: every item meets the items of its own node and of all its ancestors.
  const ancestors: number[] = [];
  const lengths: number[] = [];
  const stack: Array<{ node: TrieNode; depth: number }> = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    lengths.length = depth;
    ancestors.length = depth === 0 ? 0 : lengths[depth - 1]!;
    const { items } = node;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      for (const other of ancestors) consider(other, item);
      for (let j = 0; j < i; j++) consider(items[j]!, item);
    }
    for (const item of items) ancestors.push(item);
    lengths.push(ancestors.length);
    if (node.children)
      for (const child of node.children.values()) stack.push({ node: child, depth: depth + 1 });
  }
  return groupHits(entries.length, width, hitEntry, hitKey);
}

/** `globsMayIntersect` by interned glob id, each distinct pair computed once. */
function verdictCache(globs: readonly string[]): (x: number, y: number) => boolean {
  const count = globs.length;
  const compute = (x: number, y: number) => globsMayIntersect(globs[x]!, globs[y]!);
  if (count * count <= 1 << 22) {
    const table = new Int8Array(count * count).fill(-1);
    return (x, y) => {
      const key = x < y ? x * count + y : y * count + x;
      if (table[key] === -1) table[key] = compute(x, y) ? 1 : 0;
      return table[key] === 1;
    };
  }
  const map = new Map<number, boolean>();
  return (x, y) => {
    const key = x < y ? x * count + y : y * count + x;
    let verdict = map.get(key);
    if (verdict === undefined) {
      verdict = compute(x, y);
      map.set(key, verdict);
    }
    return verdict;
  };
}

/**
 * Sorts hits into input order (the trie's order is arbitrary): a counting sort by the first
 * entry, then per entry a numeric sort of the packed keys; repeats (from brace alternatives)
 * fold into one pair.
 */
function groupHits(
  entryCount: number,
  width: number,
  hitEntry: readonly number[],
  hitKey: readonly number[],
): Hits {
  const starts = new Int32Array(entryCount + 1);
  for (const entry of hitEntry) starts[entry + 1]!++;
  for (let e = 0; e < entryCount; e++) starts[e + 1]! += starts[e]!;
  const fill = starts.slice(0, entryCount);
  const keys = new Float64Array(hitKey.length);
  hitEntry.forEach((entry, hit) => {
    keys[fill[entry]!++] = hitKey[hit]!;
  });
  const pairA: number[] = [];
  const pairB: number[] = [];
  const pairStart: number[] = [];
  for (let a = 0; a < entryCount; a++) {
    const bucket = keys.subarray(starts[a]!, starts[a + 1]!);
    // Hits mostly arrive in order already; a check is much cheaper than a typed-array sort.
    let sorted = true;
    for (let k = 1; sorted && k < bucket.length; k++) sorted = bucket[k - 1]! <= bucket[k]!;
    if (!sorted) bucket.sort();
    for (let k = 0; k < bucket.length; k++) {
      const b = secondOf(bucket[k]!, width);
      if (k > 0 && b === secondOf(bucket[k - 1]!, width)) continue;
      pairA.push(a);
      pairB.push(b);
      pairStart.push(starts[a]! + k);
    }
  }
  return {
    width,
    starts,
    keys,
    pairA: Int32Array.from(pairA),
    pairB: Int32Array.from(pairB),
    pairStart: Int32Array.from(pairStart),
  };
}

interface TrieNode {
  /** Items (globs of entries) whose literal prefix ends here. */
  items: number[];
  /** Created on first use: most nodes are leaves. */
  children: Map<string, TrieNode> | null;
}

function newNode(): TrieNode {
  return { items: [], children: null };
}

function insert(root: TrieNode, prefix: readonly string[], item: number): void {
  let node = root;
  for (const segment of prefix) {
    node.children ??= new Map();
    let child = node.children.get(segment);
    if (!child) {
      child = newNode();
      node.children.set(segment, child);
    }
    node = child;
  }
  node.items.push(item);
}

type Segment =
  | { kind: 'globstar' }
  | { kind: 'literal'; text: string }
  | { kind: 'magic'; text: string; prefix: string; suffix: string };

/**
 * One brace-free alternative of a glob: a literal path, or a pattern split into segments.
 * Literal paths (most of a plan's `files`) skip the segment objects.
 */
type Shape =
  | { literal: true; path: string; prefix: string[] }
  | { literal: false; path: string; prefix: string[]; segments: Segment[] };

// Large enough for the distinct globs of a 10,000-task plan, so repeated analyses hit.
const MAX_CACHE = 50_000;
const shapeCache = new Map<string, Shape[] | 'any'>();
const matcherCache = new Map<string, (path: string) => boolean>();

// A cache only: results depend on the glob text alone, so the functions stay pure.
function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHE) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

function parseGlob(glob: string): Shape[] | 'any' {
  return cached(shapeCache, glob, () => {
    const text = glob.trim();
    if (text.startsWith('!')) return 'any';
    const alternatives = expandBraces(text);
    if (alternatives === null) return 'any';
    return alternatives.map(toShape).filter((shape): shape is Shape => shape !== null);
  });
}

function toShape(alternative: string): Shape | null {
  let path = alternative.includes('//') ? alternative.replace(/\/{2,}/g, '/') : alternative;
  while (path.startsWith('./')) path = path.slice(2);
  if (path.startsWith('/')) path = path.slice(1);
  if (path === '') return null;
  if (path === '.') path = '**';
  if (path.endsWith('/')) path += '**';
  const parts = path.split('/').filter((part) => part !== '.');
  if (firstMagic(path) < 0) {
    return { literal: true, path: parts.join('/'), prefix: parts };
  }
  const segments: Segment[] = [];
  for (const text of parts) {
    if (text === '**') {
      // `a/**/**/b` means the same as `a/**/b`.
      if (segments.at(-1)?.kind !== 'globstar') segments.push({ kind: 'globstar' });
      continue;
    }
    const first = firstMagic(text);
    if (first < 0) segments.push({ kind: 'literal', text });
    else segments.push({ kind: 'magic', text, prefix: text.slice(0, first), suffix: fixedSuffix(text) });
  }
  const prefix: string[] = [];
  for (const segment of segments) {
    if (segment.kind !== 'literal') break;
    prefix.push(segment.text);
  }
  return { literal: false, path: segments.map(segmentText).join('/'), prefix, segments };
}

function segmentText(segment: Segment): string {
  return segment.kind === 'globstar' ? '**' : segment.text;
}

// Wildcard characters; `!`, `+` and `@` only open an extglob before `(` (`@types` is literal).
const MAGIC = /[*?[\]{}()|\\]|[!+@](?=\()/g;

function firstMagic(text: string): number {
  return text.search(MAGIC);
}

/** The text after the last wildcard character: every match of the segment ends with it. */
function fixedSuffix(text: string): string {
  let end = 0;
  for (const match of text.matchAll(MAGIC)) end = match.index + match[0].length;
  return text.slice(end);
}

function matcher(glob: string): (path: string) => boolean {
  return cached(matcherCache, glob, () => {
    // The bare regular expression: picomatch's matcher function adds per-call overhead.
    const regex = picomatch.makeRe(glob, { dot: true, windows: false });
    return (path: string) => regex.test(path);
  });
}

function shapesMayIntersect(x: Shape, y: Shape): boolean {
  if (x.literal && y.literal) return x.path === y.path;
  if (x.literal) return matcher(y.path)(x.path);
  if (y.literal) return matcher(x.path)(y.path);
  return segmentsMayIntersect(x.segments, y.segments);
}

/**
 * Intersection of two segment sequences where `**` stands for any number of segments: a
 * reachability table over positions (i in x, j in y), filled in increasing order since every
 * step advances i, j or both.
 */
function segmentsMayIntersect(x: readonly Segment[], y: readonly Segment[]): boolean {
  const width = y.length + 1;
  const reach = new Uint8Array((x.length + 1) * width);
  reach[0] = 1;
  for (let i = 0; i <= x.length; i++) {
    for (let j = 0; j <= y.length; j++) {
      if (!reach[i * width + j]) continue;
      const sx = x[i];
      const sy = y[j];
      if (sx?.kind === 'globstar') {
        reach[(i + 1) * width + j] = 1;
        if (sy) reach[i * width + j + 1] = 1;
      }
      if (sy?.kind === 'globstar') {
        reach[i * width + j + 1] = 1;
        if (sx) reach[(i + 1) * width + j] = 1;
      }
      if (sx && sy && sx.kind !== 'globstar' && sy.kind !== 'globstar' && segmentPairMayMatch(sx, sy)) {
        reach[(i + 1) * width + j + 1] = 1;
      }
    }
  }
  return reach[x.length * width + y.length] === 1;
}

type PlainSegment = Exclude<Segment, { kind: 'globstar' }>;

function segmentPairMayMatch(x: PlainSegment, y: PlainSegment): boolean {
  if (x.kind === 'literal' && y.kind === 'literal') return x.text === y.text;
  if (x.kind === 'literal') return matcher(y.text)(x.text);
  if (y.kind === 'literal') return matcher(x.text)(y.text);
  // Two wildcard segments: their fixed starts and ends must agree (`*.ts` never meets `*.js`).
  const prefixesAgree = x.prefix.startsWith(y.prefix) || y.prefix.startsWith(x.prefix);
  const suffixesAgree = x.suffix.endsWith(y.suffix) || y.suffix.endsWith(x.suffix);
  return prefixesAgree && suffixesAgree;
}
