/**
 * The oracle: src/planning/file-index.ts's glob resolution as it was before the `dir/**`
 * shortcut, kept verbatim so test/planning/file-index.oracle.property.test.ts can check the
 * current module matches exactly the same files. The index it resolves against (`indexFiles`,
 * a sorted list with lookups, not what the test checks) is the module's own. Not used by the
 * program.
 */
import picomatch from 'picomatch';
import { type FileIndex, indexFiles } from '../../src/planning/file-index.js';

export { indexFiles };

// Same wildcard characters as core/glob-overlap.ts: `!`, `+` and `@` only before `(`.
const MAGIC = /[*?[\]{}()|\\]|[!+@](?=\()/;

/**
 * A plan glob in picomatch form, relative to the repository root: a leading `./` or `/` is
 * dropped, `.` means everything and a trailing `/` everything under that folder (as in
 * core/glob-overlap.ts); `null` for an empty glob.
 */
export function normalizeGlob(glob: string): string | null {
  let path = glob.trim().replace(/\/{2,}/g, '/');
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
  const segments = path.split('/');
  const firstMagic = segments.findIndex((segment) => MAGIC.test(segment));
  if (firstMagic === -1) {
    const at = index.position.get(path);
    if (at !== undefined) return [at];
    const [lo, hi] = folderRange(index.files, path);
    return Array.from({ length: hi - lo }, (_, k) => lo + k);
  }
  const prefix = segments.slice(0, firstMagic).join('/');
  const [lo, hi] = prefix === '' ? [0, index.files.length] : folderRange(index.files, prefix);
  let candidates: Iterable<number> = rangeOf(lo, hi);
  const last = segments[segments.length - 1]!;
  if (firstMagic < segments.length - 1 && !MAGIC.test(last)) {
    const bucket = index.byBasename.get(last) ?? [];
    if (bucket.length < hi - lo) candidates = bucket.filter((i) => i >= lo && i < hi);
  }
  let regex: RegExp;
  try {
    regex = picomatch.makeRe(path, { dot: true, windows: false });
  } catch {
    return []; // A glob picomatch cannot compile matches nothing; it is reported as a new path.
  }
  const result: number[] = [];
  for (const i of candidates) if (regex.test(index.files[i]!)) result.push(i);
  return result;
}

function* rangeOf(lo: number, hi: number): Generator<number> {
  for (let i = lo; i < hi; i++) yield i;
}

/** `[lo, hi)`: the files under `folder/`. `/` sorts just before `0`, so they end before `folder0`. */
function folderRange(files: readonly string[], folder: string): [number, number] {
  return [lowerBound(files, `${folder}/`), lowerBound(files, `${folder}0`)];
}

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
