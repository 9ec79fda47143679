import { expandBraces } from './glob-braces.js';
import { picomatchLibrary } from './picomatch-lib.js';

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
  // Loops, not nested `some` callbacks: this runs for every candidate pair of a plan's globs.
  for (let i = 0; i < left.length; i++) {
    for (let j = 0; j < right.length; j++) if (shapesMayIntersect(left[i]!, right[j]!)) return true;
  }
  return false;
}

/** Two entries of {@link intersectingPairs}' input whose globs may intersect. */
export interface GlobPair {
  /** Index of the first entry (the smaller index). */
  a: number;
  /** Index of the second entry. */
  b: number;
  /** The globs that may intersect, as `[glob of a, glob of b]`, without repeats. */
  files: Array<[string, string]>;
}

/**
 * Which candidate pairs to keep, decided for all at once (column `k` of `a` and `b` is one
 * pair): lets a caller drop pairs, e.g. ordered tasks, before their globs are listed.
 */
export type PairFilter = (a: Int32Array, b: Int32Array) => ArrayLike<boolean>;

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
  for (let p = 0; p < hits.pairA.length; p++) {
    const a = hits.pairA[p]!;
    if (kept && !kept[p]) continue;
    const b = hits.pairB[p]!;
    const first = hits.pairStart[p]!;
    const files: Array<[string, string]> = [];
    for (let k = first; k < starts[a + 1]! && secondOf(keys[k]!, width) === b; k++) {
      if (k > first && keys[k] === keys[k - 1]) continue;
      const key = keys[k]!;
      files.push([entries[a]![Math.floor(key / width) % width]!, entries[b]![key % width]!]);
    }
    pairs.push({ a, b, files });
  }
  return pairs;
}

/**
 * The pairs of {@link intersectingPairs} as two columns, without listing the globs: what the
 * scheduler's conflict sets need, cheaply for thousands of pairs.
 */
export function intersectingEntryPairs(entries: readonly (readonly string[])[]): {
  a: Int32Array;
  b: Int32Array;
} {
  const { pairA, pairB } = collectHits(entries);
  return { a: pairA, b: pairB };
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
  // Cleared between calls only: the nodes of one call must share one trie.
  if (infoCache.size >= MAX_CACHE || verdicts.size >= MAX_VERDICTS) clearInfo();
  const call = ++calls;
  const items: Items = { entry: [], slot: [], glob: [] };
  const touched = placeItems(entries, call, items);
  // A hit is a (first entry, second entry, slot in first, slot in second) packed in a number.
  let width = 1;
  for (let entry = 0; entry < entries.length; entry++) width = Math.max(width, entries[entry]!.length);
  const hits: HitLists = { entry: [], key: [] };
  for (let t = 0; t < touched.length; t++) meetAtNode(touched[t]!, call, items, width, hits);
  return groupHits(entries.length, width, hits.entry, hits.key);
}

/**
 * Items are globs in entries, as parallel arrays: this runs for every pair of candidates, so it
 * allocates nothing per pair but two array slots.
 */
interface Items {
  entry: number[];
  slot: number[];
  glob: GlobInfo[];
}

/**
 * Lists the items and puts each in the trie node of its literal prefix; returns the nodes that
 * hold items. Each glob's nodes are found once per process (see {@link globInfo}), so an item
 * costs one lookup of its glob. Small functions with indexed loops, here and below: a plan
 * command runs this once, mostly before V8 optimises it, where `for of` costs an iterator step
 * per item, and a large function costs more to optimise.
 */
function placeItems(entries: readonly (readonly string[])[], call: number, items: Items): TrieNode[] {
  const touched: TrieNode[] = [];
  for (let entry = 0; entry < entries.length; entry++) {
    const list = entries[entry]!;
    for (let slot = 0; slot < list.length; slot++) {
      const info = globInfo(list[slot]!);
      const nodes = info.nodes;
      for (let k = 0; k < nodes.length; k++) {
        const node = nodes[k]!;
        if (node.call !== call) {
          node.call = call;
          node.items = [];
          touched.push(node);
        }
        node.items.push(items.entry.length);
        items.entry.push(entry);
        items.slot.push(slot);
        items.glob.push(info);
      }
    }
  }
  return touched;
}

/** The items of `node` meet each other and the items of its ancestors (those of this call). */
function meetAtNode(node: TrieNode, call: number, items: Items, width: number, hits: HitLists): void {
  const here = node.items;
  for (let i = 1; i < here.length; i++) {
    for (let j = 0; j < i; j++) considerPair(here[j]!, here[i]!, items, width, hits);
  }
  for (let up = node.parent; up !== null; up = up.parent) {
    if (up.call !== call) continue;
    const above = up.items;
    for (let i = 0; i < here.length; i++) {
      for (let a = 0; a < above.length; a++) considerPair(above[a]!, here[i]!, items, width, hits);
    }
  }
}

/** Hits as found: the first entry of each, and its packed key. */
interface HitLists {
  entry: number[];
  key: number[];
}

/** Items `x` and `y` are a hit when of different entries and their globs may intersect. */
function considerPair(x: number, y: number, items: Items, width: number, hits: HitLists): void {
  const ex = items.entry[x]!;
  const ey = items.entry[y]!;
  if (ex === ey || !verdict(items.glob[x]!, items.glob[y]!)) return;
  if (ex < ey) {
    hits.entry.push(ex);
    hits.key.push((ey * width + items.slot[x]!) * width + items.slot[y]!);
  } else {
    hits.entry.push(ey);
    hits.key.push((ex * width + items.slot[y]!) * width + items.slot[x]!);
  }
}

/** `globsMayIntersect` of two globs, each distinct pair computed once (while the caches live). */
function verdict(x: GlobInfo, y: GlobInfo): boolean {
  const key = x.id < y.id ? x.id * VERDICT_KEY + y.id : y.id * VERDICT_KEY + x.id;
  let known = verdicts.get(key);
  if (known === undefined) {
    known = globsMayIntersect(x.glob, y.glob);
    verdicts.set(key, known);
  }
  return known;
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
  for (let hit = 0; hit < hitEntry.length; hit++) starts[hitEntry[hit]! + 1]!++;
  for (let e = 0; e < entryCount; e++) starts[e + 1]! += starts[e]!;
  const fill = starts.slice(0, entryCount);
  const keys = new Float64Array(hitKey.length);
  for (let hit = 0; hit < hitEntry.length; hit++) keys[fill[hitEntry[hit]!]!++] = hitKey[hit]!;
  const pairA: number[] = [];
  const pairB: number[] = [];
  const pairStart: number[] = [];
  for (let a = 0; a < entryCount; a++) {
    const lo = starts[a]!;
    const hi = starts[a + 1]!;
    // Hits mostly arrive in order already; a check is much cheaper than a typed-array sort, and
    // indices into `keys` cheaper than a view of it per entry.
    let sorted = true;
    for (let k = lo + 1; sorted && k < hi; k++) sorted = keys[k - 1]! <= keys[k]!;
    if (!sorted) keys.subarray(lo, hi).sort();
    for (let k = lo; k < hi; k++) {
      const b = secondOf(keys[k]!, width);
      if (k > lo && b === secondOf(keys[k - 1]!, width)) continue;
      pairA.push(a);
      pairB.push(b);
      pairStart.push(k);
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

/**
 * A node of the trie of literal prefixes. One trie serves every call (see {@link globInfo});
 * `items` belongs to the call numbered `call`, reset when another call first touches the node.
 */
interface TrieNode {
  parent: TrieNode | null;
  /** Created on first use: most nodes are leaves. */
  children: Map<string, TrieNode> | null;
  call: number;
  /** Items (globs of entries) of call `call` whose literal prefix ends here. */
  items: number[];
}

/** What the overlap search keeps of one distinct glob. */
interface GlobInfo {
  glob: string;
  /** Unique while the caches live: the key of its verdicts. */
  id: number;
  /** The trie node of each alternative's literal prefix; the root for a glob that may match anything. */
  nodes: TrieNode[];
}

/** Verdict keys are `smaller id * VERDICT_KEY + larger id`; ids stay far below it. */
const VERDICT_KEY = 2 ** 26;
const MAX_VERDICTS = 1 << 20;
let trieRoot = newNode(null);
let calls = 0;
let nextId = 0;
const infoCache = new Map<string, GlobInfo>();
const verdicts = new Map<number, boolean>();

// Caches only, like the ones below: results depend on the glob texts alone, so the functions
// stay pure.
function clearInfo(): void {
  infoCache.clear();
  verdicts.clear();
  trieRoot = newNode(null);
  nextId = 0;
}

function globInfo(glob: string): GlobInfo {
  let info = infoCache.get(glob);
  if (info === undefined) {
    const shapes = parseGlob(glob);
    const nodes: TrieNode[] = [];
    if (shapes === 'any') nodes.push(trieRoot);
    else for (let k = 0; k < shapes.length; k++) nodes.push(nodeOf(shapes[k]!.prefix));
    info = { glob, id: nextId++, nodes };
    infoCache.set(glob, info);
  }
  return info;
}

function newNode(parent: TrieNode | null): TrieNode {
  return { parent, children: null, call: 0, items: [] };
}

function nodeOf(prefix: readonly string[]): TrieNode {
  let node = trieRoot;
  for (let k = 0; k < prefix.length; k++) {
    const segment = prefix[k]!;
    node.children ??= new Map();
    let child = node.children.get(segment);
    if (!child) {
      child = newNode(node);
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
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
  | { literal: true; path: string; prefix: string[]; plain: boolean }
  | { literal: false; path: string; prefix: string[]; segments: Segment[]; under: string | null };

/**
 * A segment picomatch reads as exactly itself, whose every match `**` covers: no wildcard, no
 * character it treats specially, not `.` or `..` (which `**` never matches).
 */
const PLAIN_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;

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
  // The cache first, without a closure: most calls are repeats (one per candidate pair).
  const known = shapeCache.get(glob);
  if (known !== undefined) return known;
  if (shapeCache.size >= MAX_CACHE) shapeCache.clear();
  const shapes = plainShape(glob) ?? parseAlternatives(glob);
  shapeCache.set(glob, shapes);
  return shapes;
}

function parseAlternatives(glob: string): Shape[] | 'any' {
  const text = glob.trim();
  if (text.startsWith('!')) return 'any';
  const alternatives = expandBraces(text);
  if (alternatives === null) return 'any';
  return alternatives.map(toShape).filter((shape): shape is Shape => shape !== null);
}

/**
 * Plain segments (see {@link PLAIN_SEGMENT}), optionally ending in `/**`: {@link toShape}'s shape
 * of it, built without its passes (most of a plan's globs are such paths and folders).
 */
const PLAIN_PATH = /^(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+)*(\/\*\*)?$/;

function plainShape(glob: string): Shape[] | null {
  const match = PLAIN_PATH.exec(glob);
  if (match === null) return null;
  if (match[1] === undefined) {
    return [{ literal: true, path: glob, prefix: glob.split('/'), plain: true }];
  }
  const under = glob.slice(0, -3);
  const prefix = under.split('/');
  const segments: Segment[] = [];
  for (let k = 0; k < prefix.length; k++) segments.push({ kind: 'literal', text: prefix[k]! });
  segments.push({ kind: 'globstar' });
  return [{ literal: false, path: glob, prefix, segments, under }];
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
    const plain = parts.every((part) => PLAIN_SEGMENT.test(part));
    return { literal: true, path: parts.join('/'), prefix: parts, plain };
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
  // `dir/**` (plain segments, then one `**`), the most common glob of a plan: see shapesMayIntersect.
  const under =
    prefix.length > 0 &&
    prefix.length === segments.length - 1 &&
    segments.at(-1)!.kind === 'globstar' &&
    prefix.every((part) => PLAIN_SEGMENT.test(part))
      ? prefix.join('/')
      : null;
  return { literal: false, path: segments.map(segmentText).join('/'), prefix, segments, under };
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
    const regex = picomatchLibrary().makeRe(glob, { dot: true, windows: false });
    return (path: string) => regex.test(path);
  });
}

function shapesMayIntersect(x: Shape, y: Shape): boolean {
  if (x.literal) return y.literal ? x.path === y.path : literalMatches(x, y);
  if (y.literal) return literalMatches(y, x);
  return segmentsMayIntersect(x.segments, y.segments);
}

/**
 * Whether picomatch matches the literal path `x` with the glob `y`. For `dir/**` and a path of
 * plain segments that is a string comparison (picomatch's `dir/**` matches `dir` and everything
 * under it), which spares compiling a regular expression per folder glob of the plan.
 */
function literalMatches(
  x: Extract<Shape, { literal: true }>,
  y: Extract<Shape, { literal: false }>,
): boolean {
  if (x.plain && y.under !== null) {
    return x.path.startsWith(y.under) && (x.path.length === y.under.length || x.path[y.under.length] === '/');
  }
  return matcher(y.path)(x.path);
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
