import { mkdirSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { loadIndex } from './index-cache.js';
import type { IndexSnapshot } from './index-file.js';
import { type IndexEntry, IndexLock, statData, statMatch, updateIndex } from './index-write.js';
import type { ObjectReader } from './object-batch.js';
import { type BlobChange, diffTrees } from './tree-diff.js';
import {
  hashFile,
  isAttributesFile,
  lstatOrNull,
  parentsAreFolders,
  plainWorktreeProblem,
  worktreePath,
} from './worktree-files.js';

/** More changed paths than this go to `read-tree` (a switch that large is rare; memory stays small). */
const MAX_CHANGES = 2000;

/**
 * Switches a clean worktree's files and index from the tree of `head` to the tree of `target`
 * in this process, as `git read-tree -m -u <head> <target>` does in a worktree whose files and
 * index match `head`: the paths whose blobs differ between the two trees are checked against
 * the index (and the file against its entry: stat data, or the content when the stat data
 * cannot tell), then deleted or written, and the index gets their new entries and stat data;
 * every other entry is kept as it is, unread. HEAD and the branch are the caller's.
 *
 * Returns a reason (changing nothing) whenever git must do it: a file that does not match the
 * index (a local change, an untracked or ignored file in the way), a path that turns from a
 * file into a folder or back, a submodule, a tracked `.gitattributes` anywhere, an untracked or
 * ignored one in a folder it writes to (git reads those too), or a setting that converts files
 * (see `plainWorktreeProblem`), an index this reader leaves to git, a symlink
 * or file where a folder should be, more than {@link MAX_CHANGES} paths. Throws only when
 * writing failed half way (the caller's `checkout --force` then puts every file right).
 */
export async function switchTreeInProcess(options: {
  worktree: string;
  gitDir: string;
  commonDir: string;
  head: string;
  target: string;
  settings: ReadonlyMap<string, string>;
  objects: ObjectReader;
}): Promise<string | null> {
  const { worktree, gitDir, objects } = options;
  const hashBytes = options.head.length / 2;
  const loaded = loadIndex(gitDir, hashBytes);
  if ('problem' in loaded) return 'index';
  const { index, stamp } = loaded;
  if (index.flagged) return 'index';
  const problem = plainWorktreeProblem(options.settings, options.commonDir, index.paths);
  if (problem) return problem;
  const [fromTree, toTree] = await Promise.all([
    objects.treeOfCommit(options.head),
    objects.treeOfCommit(options.target),
  ]);
  if (!fromTree || !toTree) return 'tree';
  const changes: BlobChange[] = [];
  const diff = await diffTrees(objects, fromTree, toTree, hashBytes, changes, MAX_CHANGES);
  if (diff) return diff;
  if (changes.length === 0) return null;
  if (changes.length > MAX_CHANGES) return 'large';
  if (untrackedAttributes(worktree, index, changes)) return 'untracked attributes';

  // Check every path before touching any.
  const { entries } = index;
  const folders = new Set<string>();
  for (const change of changes) {
    if (isAttributesFile(change.path)) return 'attributes';
    if (!parentsAreFolders(worktree, change.path, folders)) return 'in the way';
    const at = findEntry(index, change.path);
    const file = worktreePath(worktree, change.path);
    const st = lstatOrNull(file);
    if (change.from === null) {
      if (at >= 0 || st !== null) return 'in the way';
      continue;
    }
    const entry = at >= 0 ? entries[at]! : null;
    if (!entry || entry.mode !== change.from.mode || entry.oid.toString('hex') !== change.from.oid)
      return 'index differs';
    if (st === null) return 'local change';
    if (statMatch(entry, st, stamp) === 'clean') continue;
    const found = hashFile(file, st, hashBytes);
    if (!found || found.mode !== entry.mode || !found.oid.equals(entry.oid)) return 'local change';
  }
  const blobs = await Promise.all(
    changes.map(async (change) => {
      if (change.to === null) return null;
      const object = await objects.read(change.to.oid);
      if (object?.type !== 'blob') throw new Error(`blob ${change.to.oid} is missing`);
      return object.data;
    }),
  );

  const lock = IndexLock.take(gitDir);
  if (!lock) return 'index locked';
  try {
    const updated = new Map<string, IndexEntry | null>();
    for (const [i, change] of changes.entries()) {
      const file = worktreePath(worktree, change.path);
      if (change.from !== null) unlinkSync(file);
      if (change.to === null) {
        removeEmptyFolders(worktree, change.path);
        updated.set(change.path, null);
        continue;
      }
      const slash = change.path.lastIndexOf('/');
      if (slash > 0) mkdirSync(worktreePath(worktree, change.path.slice(0, slash)), { recursive: true });
      const data = blobs[i]!;
      if (change.to.mode === 0o120000) symlinkSync(data, file);
      else writeFileSync(file, data, { mode: change.to.mode === 0o100755 ? 0o777 : 0o666, flag: 'wx' });
      const st = lstatOrNull(file);
      if (st === null) throw new Error(`${change.path} vanished after it was written`);
      updated.set(change.path, {
        path: change.path,
        mode: change.to.mode,
        oid: Buffer.from(change.to.oid, 'hex'),
        stat: statData(st, change.to.mode),
      });
    }
    const next = updateIndex(
      index,
      updated,
      changes.map((change) => change.path),
    );
    await lock.commit(next.data, next.snapshot);
  } finally {
    lock.release();
  }
  return null;
}

/**
 * Whether a `.gitattributes` that no index entry names sits in the root or in a folder above
 * one of `changes`: git's checkout and `read-tree -u` read a folder's attributes from the index,
 * else from the worktree, so an ignored or untracked one (left by a task, made by a slot's
 * setup) converts what they write (eol, `ident`, `filter=`, `working-tree-encoding`) where a
 * blob written here would not be. One lstat per folder; anything at that name counts.
 */
function untrackedAttributes(
  worktree: string,
  index: IndexSnapshot,
  changes: readonly BlobChange[],
): boolean {
  const folders = new Set<string>(['']);
  for (const { path } of changes) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const folder = path.slice(0, slash);
      // Its parents were added with it.
      if (folders.has(folder)) break;
      folders.add(folder);
    }
  }
  for (const folder of folders) {
    const name = folder ? `${folder}/.gitattributes` : '.gitattributes';
    if (findEntry(index, name) >= 0) continue;
    try {
      if (lstatOrNull(worktreePath(worktree, name)) !== null) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** The position of `path` in the index's sorted paths, or -1. */
export function findEntry(index: IndexSnapshot, path: string): number {
  const { paths } = index;
  let low = 0;
  let high = paths.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const here = paths[mid]!;
    if (here === path) return mid;
    if (here < path) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** Removes the folders above a deleted file that are now empty, deepest first (git does the same). */
function removeEmptyFolders(worktree: string, path: string): void {
  let slash = path.lastIndexOf('/');
  while (slash > 0) {
    try {
      rmdirSync(worktreePath(worktree, path.slice(0, slash)));
    } catch {
      return;
    }
    slash = path.lastIndexOf('/', slash - 1);
  }
}
