/**
 * How each landing's tree was made, counted per run (the coordinator prints it with
 * `MILESTONE_DEBUG=1`; tests assert which path ran): the task's own tree when nothing landed
 * since it started, the in-memory merge of disjoint changes, `git merge-tree` with the reason
 * the in-memory merge left it to git, or the general merge after another writer moved the branch.
 */
export interface LandingPaths {
  /** The task's commit sat on the head: its tree is the merge's. */
  sameBase: number;
  /** Disjoint changes composed in memory (`DisjointMerge`). */
  inMemory: number;
  /** `git merge-tree --write-tree`. */
  mergeTree: number;
  /** Why `merge-tree` ran, by reason (`overlap`, `attributes`, `lineage`: start point not known to be on the branch, ...). */
  fallbacks: Record<string, number>;
  /** The general merge (`mergeInto`, which re-reads the branch): no commit given, or a lost race. */
  general: number;
}

/** All counts zero. */
export function emptyLandingPaths(): LandingPaths {
  return { sameBase: 0, inMemory: 0, mergeTree: 0, fallbacks: {}, general: 0 };
}

/** One line for a debug log: `landings: 97 in memory, 3 same base, 1 merge-tree (overlap 1), 0 general`. */
export function describeLandingPaths(paths: LandingPaths): string {
  const reasons = Object.entries(paths.fallbacks)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  return `landings: ${paths.inMemory} in memory, ${paths.sameBase} same base, ${paths.mergeTree} merge-tree${reasons ? ` (${reasons})` : ''}, ${paths.general} general`;
}

/** At most this many trees of lineage commits are kept (the recent tips: the next merges' bases). */
const TREES_KEPT = 64;

/**
 * Commits known to be ancestors of (or equal to) the branch's next head, as the run moved it:
 * a task that started from one of them has it as its merge base with the head. Only grows by
 * moves that descend from the head (a merge, a fast-forward, a phase commit on top); anything
 * else starts it again from the new head.
 */
export class Lineage {
  private readonly commits = new Set<string>();
  private readonly trees = new Map<string, string>();

  /** Starts again from `head` (null: nothing known). */
  reset(head: string | null): void {
    this.commits.clear();
    this.trees.clear();
    if (head !== null) this.commits.add(head);
  }

  /** `commit` descends from the head and is the new head; `tree` is its tree when known. */
  add(commit: string, tree?: string): void {
    this.commits.add(commit);
    if (tree === undefined) return;
    this.trees.set(commit, tree);
    if (this.trees.size > TREES_KEPT) this.trees.delete(this.trees.keys().next().value!);
  }

  has(commit: string): boolean {
    return this.commits.has(commit);
  }

  /** The tree of a lineage commit, if this run wrote it. */
  treeOf(commit: string): string | undefined {
    return this.trees.get(commit);
  }
}
