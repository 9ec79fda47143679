/**
 * Trees this process wrote or read lately, by id, and the tree of each commit it wrote, so the
 * slot switch and the landing need not read back through `cat-file` what they just wrote: in the
 * bench's flat layout every task writes a ~200 KB root tree (its commit's) and the landing
 * another (the merge's), and each was read back once or twice (the landing reads the task's, the
 * next switch of the slot both). Ids name content (a tree's id is the hash of its bytes, a
 * commit's covers its `tree` line), so an entry is right in any repository; it is only asked for
 * trees reachable from a commit the repository has (`ObjectReader.treeOfCommit`), which the
 * repository then has too. Bounded by bytes; the oldest go first.
 */
const trees = new Map<string, Buffer>();
const commitTrees = new Map<string, string>();
let bytes = 0;
const MAX_BYTES = 32 * 1024 * 1024;
const MAX_COMMITS = 4096;

/** How many tree reads were answered from memory (tests). */
export const treeMemoryCounts = { hits: 0 };

/** Keeps `data` as the tree `oid` (the caller wrote it, or git gave it for that id). */
export function rememberTree(oid: string, data: Buffer): void {
  const old = trees.get(oid);
  if (old) {
    trees.delete(oid);
    bytes -= old.length;
  }
  if (data.length > MAX_BYTES / 4) return;
  trees.set(oid, data);
  bytes += data.length;
  while (bytes > MAX_BYTES) {
    const [first, kept] = trees.entries().next().value!;
    trees.delete(first);
    bytes -= kept.length;
  }
}

/** Keeps that commit `commit` has the tree `tree`. */
export function rememberCommitTree(commit: string, tree: string): void {
  commitTrees.delete(commit);
  commitTrees.set(commit, tree);
  if (commitTrees.size > MAX_COMMITS) commitTrees.delete(commitTrees.keys().next().value!);
}

/** The tree of `commit` with its bytes, when both are kept. */
export function treeOfKnownCommit(commit: string): { oid: string; data: Buffer } | null {
  const oid = commitTrees.get(commit);
  const data = oid === undefined ? undefined : trees.get(oid);
  if (oid === undefined || data === undefined) return null;
  // Most recently used last.
  trees.delete(oid);
  trees.set(oid, data);
  treeMemoryCounts.hits += 1;
  return { oid, data };
}

/**
 * Forgets everything (tests).
 * @internal
 */
export function clearTreeMemory(): void {
  trees.clear();
  commitTrees.clear();
  bytes = 0;
}
