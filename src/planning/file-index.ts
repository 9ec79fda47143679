import { picomatchLibrary } from '../core/picomatch-lib.js';

/**
 * The repository's files prepared for glob resolution. Sorted, so every folder's files form one
 * contiguous run found by binary search; a glob is only tested against the run of its literal
 * leading folders (or, when its last segment is literal, against the files of that basename),
 * never against the whole repository unless it starts with a wildcard.
 */
export interface FileIndex {
  /** Files in code-unit order; glob results are indices into this array, ascending. */
  files: readonly string[];
  /** Index of each file. */
  position: ReadonlyMap<string, number>;
  /** Indices of the files with each basename. */
  byBasename: ReadonlyMap<string, readonly number[]>;
  /** Results by glob text: plans repeat globs, and the index lives for one analysis. */
  cache: Map<string, readonly number[]>;
}

/** Builds the index in O(n log n). */
export function indexFiles(files: readonly string[]): FileIndex {
  const sorted = [...new Set(files)].sort(compareCodeUnits);
  const position = new Map<string, number>();
  const byBasename = new Map<string, number[]>();
  sorted.forEach((file, i) => {
    position.set(file, i);
    const base = file.slice(file.lastIndexOf('/') + 1);
    const bucket = byBasename.get(base);
    if (bucket) bucket.push(i);
    else byBasename.set(base, [i]);
  });
  return { files: sorted, position, byBasename, cache: new Map() };
}

// Same wildcard characters as core/glob-overlap.ts: `!`, `+` and `@` only before `(`.
const MAGIC = /[*?[\]{}()|\\]|[!+@](?=\()/;

/**
 * A plan glob in picomatch form, relative to the repository root: a leading `./` or `/` is
 * dropped, `.` means everything and a trailing `/` everything under that folder (as in
 * core/glob-overlap.ts); `null` for an empty glob.
 */
export function normalizeGlob(glob: string): string | null {
  let path = glob.trim();
  if (path.includes('//')) path = path.replace(/\/{2,}/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  if (path.startsWith('/')) path = path.slice(1);
  if (path === '') return null;
  if (path === '.') return '**';
  return path.endsWith('/') ? `${path}**` : path;
}

/**
 * Indices of the files a glob matches (picomatch semantics, dotfiles included). A glob without
 * wildcards names a file, or, when no such file exists, a folder and everything under it.
 */
export function matchGlob(index: FileIndex, glob: string): readonly number[] {
  const cached = index.cache.get(glob);
  if (cached) return cached;
  const result = resolve(index, glob);
  index.cache.set(glob, result);
  return result;
}

function resolve(index: FileIndex, glob: string): readonly number[] {
  const path = normalizeGlob(glob);
  if (path === null) return [];
  // No wildcard in any segment (the lookahead of `MAGIC` needs a `(`, itself a wildcard): a file,
  // else a folder. Most of a plan's globs, so without cutting the path into segments.
  if (!MAGIC.test(path)) {
    const at = index.position.get(path);
    if (at !== undefined) return [at];
    const lo = lowerBound(index.files, `${path}/`);
    const hi = lo < index.files.length ? lowerBound(index.files, `${path}0`) : lo;
    const result: number[] = [];
    for (let i = lo; i < hi; i++) result.push(i);
    return result;
  }
  const segments = path.split('/');
  const firstMagic = segments.findIndex((segment) => MAGIC.test(segment));
  const prefix = segments.slice(0, firstMagic).join('/');
  let lo = 0;
  let hi = index.files.length;
  if (prefix !== '') {
    lo = lowerBound(index.files, `${prefix}/`);
    hi = lo < hi ? lowerBound(index.files, `${prefix}0`) : lo;
  }
  // No file under the literal folders: nothing to match (the common case of a new path).
  if (lo >= hi) return [];
  let candidates: readonly number[] | undefined; // undefined: every index in [lo, hi)
  const last = segments[segments.length - 1]!;
  if (firstMagic < segments.length - 1 && !MAGIC.test(last)) {
    const bucket = index.byBasename.get(last) ?? [];
    if (bucket.length < hi - lo) candidates = bucket.filter((i) => i >= lo && i < hi);
  }
  // `dir/**` over plain folder names: picomatch matches every file under `dir/` (the candidates)
  // except names it cannot read as a path; no regular expression to compile for the common case.
  const underFolder =
    firstMagic === segments.length - 1 &&
    last === '**' &&
    segments.slice(0, -1).every((segment) => PLAIN_SEGMENT.test(segment));
  let regex: RegExp | undefined;
  const matches = (file: string): boolean => {
    if (underFolder && !UNUSUAL_PATH.test(file)) return true;
    regex ??= picomatchLibrary().makeRe(path, { dot: true, windows: false });
    return regex.test(file);
  };
  const result: number[] = [];
  try {
    if (candidates) {
      for (const i of candidates) if (matches(index.files[i]!)) result.push(i);
    } else for (let i = lo; i < hi; i++) if (matches(index.files[i]!)) result.push(i);
  } catch {
    return []; // A glob picomatch cannot compile matches nothing; it is reported as a new path.
  }
  return result;
}

/** A folder name picomatch reads as itself (as in core/glob-overlap.ts). */
const PLAIN_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;
/** A path `**` may not match: a `.` or `..` segment, an empty one, or a line break. */
const UNUSUAL_PATH = /(?:^|\/)\.{0,2}(?:\/|$)|[\n\r\u2028\u2029]/;

// The files under `folder/` are `[lowerBound(folder/), lowerBound(folder0))`: `/` sorts just
// before `0`, so they end before `folder0`.

function lowerBound(files: readonly string[], key: string): number {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodeUnits(files[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
