import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gitExec } from './git-exec.js';
import {
  ObjectReader,
  recentTreeHits,
  recentTreeOfCommit,
  type TreeEntry,
  TreeWriter,
} from './object-batch.js';
import {
  changedEntries,
  compareNames,
  isCanonicalMode,
  MalformedTree,
  RawTree,
  type TreeEdit,
} from './raw-tree.js';

/** The tree of a merge of disjoint changes, or why it must go to `git merge-tree` instead. */
export type DisjointMergeResult = { tree: string } | { fallback: FallbackReason };

/** Why a merge was left to `git merge-tree`. */
export type FallbackReason =
  /** Both sides changed the same path (or one changed a folder the other changed inside). */
  | 'overlap'
  /** A file became a folder or a folder a file. */
  | 'type-change'
  /** A submodule (gitlink) changed. */
  | 'gitlink'
  /** A `.gitattributes` that may change how git merges (merge drivers, filters, line endings). */
  | 'attributes'
  /** A mode git would write differently (a tree from an old git), or an object that is not there. */
  | 'unusual'
  /** The merge would empty the whole tree. */
  | 'empty';

/** Attributes that change what a merge does (drivers, renormalization, filters such as LFS). */
const MERGE_ATTRIBUTES = /\b(merge|filter|text|eol|crlf|binary|ident|working-tree-encoding)\b/;
/**
 * Trees kept (raw bytes, ~220 KB for a 5,000-entry folder): a landing adds theirs and the merge
 * per folder it rewrites, and the next landings need ours and their start points' trees.
 */
const TREE_CACHE_SIZE = 64;

class Fallback extends Error {
  constructor(readonly reason: FallbackReason) {
    super(reason);
  }
}

/**
 * Merges in memory what `git merge-tree --write-tree` would merge, when the two sides changed
 * disjoint paths: walks the three trees (base, ours, theirs) only where they differ, takes each
 * path changed on one side from that side, and writes the folders it changed through one
 * long-lived `git cat-file --batch` and one `git hash-object -w -t tree --stdin-paths`. Anything a merge could treat
 * differently from "take the side that changed it" (both sides changed a path or a folder and
 * a path in it, a file↔folder change, a submodule, a `.gitattributes` with merge-related
 * attributes, a non-canonical mode) is refused with the reason, and the caller runs `merge-tree`.
 *
 * Why this is exact: a path one side left as it was in the base is taken from the other side by
 * every three-way merge; renames matter only where they meet the other side's changes (a rename
 * is a delete plus an add, both inside the renaming side's paths), and a directory rename can
 * only move the other side's additions inside the vanished folder, which is an overlap here.
 */
export class DisjointMerge {
  private readonly reader: ObjectReader;
  private readonly writer: TreeWriter;
  /** Trees by id, most recently used last (trees this class wrote go in too: the next landing's "ours"). */
  private readonly trees = new Map<string, RawTree>();
  private readonly attributes = new Map<string, boolean>();
  private hashBytes = 20;
  /** Files (blob ids) the merges took from theirs, for {@link takeBlobs}. */
  private takenBlobs: string[] = [];
  /** Whether `$GIT_DIR/info/attributes` exists (looked up once). */
  private infoAttributes: Promise<boolean> | null = null;

  constructor(private readonly cwd: string) {
    this.reader = new ObjectReader(cwd);
    this.writer = new TreeWriter(cwd);
  }

  /** The tree id of `commit`. */
  async treeOf(commit: string): Promise<string> {
    // A commit this process just wrote (the task's): its tree's bytes are still here.
    const recent = recentTreeOfCommit(commit);
    if (recent) recentTreeHits.hits += 1;
    // `<commit>^{tree}` answers with the tree itself: kept, the merge reads it next.
    const object = recent ?? (await this.reader.treeOfCommit(commit));
    if (!object) throw new Error(`${commit} is not a commit`);
    this.hashBytes = object.oid.length / 2;
    this.remember(object.oid, new RawTree(object.data, this.hashBytes));
    return object.oid;
  }

  /** Merges the trees `ours` and `theirs` whose merge base has the tree `base`. */
  async merge(base: string, ours: string, theirs: string): Promise<DisjointMergeResult> {
    this.infoAttributes ??= this.hasInfoAttributes();
    if (await this.infoAttributes) return { fallback: 'attributes' };
    try {
      const tree = await this.mergeDir(base, ours, theirs);
      if (tree === null) return { fallback: 'empty' };
      return { tree };
    } catch (error) {
      if (error instanceof Fallback) return { fallback: error.reason };
      if (error instanceof MalformedTree) return { fallback: 'unusual' };
      throw error;
    }
  }

  /** The blob ids of files theirs changed, taken by merges since the last call (they are kept only until then). */
  takeBlobs(): string[] {
    return this.takenBlobs.splice(0);
  }

  /** Ends the two git processes. */
  async close(): Promise<void> {
    await Promise.all([this.reader.close(), this.writer.close()]);
  }

  private async hasInfoAttributes(): Promise<boolean> {
    const { stdout } = await gitExec(this.cwd, ['rev-parse', '--git-common-dir']);
    return existsSync(join(resolve(this.cwd, stdout.trim()), 'info', 'attributes'));
  }

  /**
   * The merged folder's tree id, or null when it ends up empty (git keeps no empty folders).
   * What theirs changed is found from the raw bytes (only the differing entries are read) and
   * spliced into ours' bytes: O(changes) lookups and two memory copies, whatever the folder's size.
   */
  private async mergeDir(base: string, ours: string, theirs: string): Promise<string | null> {
    if (base === theirs) return ours;
    if (base === ours) return theirs;
    const [b, o, t] = await Promise.all([this.tree(base), this.tree(ours), this.tree(theirs)]);
    // Ours' entries all end up in the merge: only modes git writes, in git's order.
    if (!b.ordered || !o.ordered || !o.canonical) throw new Fallback('unusual');
    const changes = changedEntries(b, t);
    if (changes === null) throw new Fallback('unusual');
    await Promise.all([
      this.checkAttributes(b.find('.gitattributes')?.entry),
      this.checkAttributes(o.find('.gitattributes')?.entry),
      this.checkAttributes(changes.get('.gitattributes')?.after),
    ]);
    const edits: Array<TreeEdit & { key: Buffer; dir: boolean }> = [];
    for (const [name, { before: eb, after: et }] of changes) {
      const found = o.find(name);
      const eo = found?.entry;
      let taken: TreeEntry | undefined;
      if (same(eb, eo)) {
        // Only theirs changed this path: take theirs.
        checkChange(eb, et);
        if (et && !isCanonicalMode(et.mode)) throw new Fallback('unusual');
        if (et && et.mode !== '40000') this.takenBlobs.push(et.oid);
        taken = et;
      } else {
        // Both sides changed it: only folders changed inside on both sides may still be disjoint.
        if (eb?.mode !== '40000' || eo?.mode !== '40000' || et?.mode !== '40000')
          throw new Fallback('overlap');
        const sub = await this.mergeDir(eb.oid, eo.oid, et.oid);
        taken = sub === null ? undefined : { mode: '40000', oid: sub };
      }
      const key = Buffer.from(name, 'latin1');
      const dir = (taken ?? eo)?.mode === '40000';
      const insert = taken && { name, ...taken };
      // A change keeps the entry's kind (a file↔folder change went to git), so its place too.
      if (found) edits.push({ at: found.index, remove: true, ...(insert && { insert }), key, dir });
      else if (insert) edits.push({ at: o.lowerBound(key, dir), remove: false, insert, key, dir });
    }
    // By place; at one place the new names in git's order, then the entry that was there.
    edits.sort(
      (x, y) =>
        x.at - y.at ||
        Number(x.remove) - Number(y.remove) ||
        compareNames(x.key, 0, x.key.length, x.dir, y.key, 0, y.key.length, y.dir),
    );
    const merged = o.splice(edits);
    if (merged.count === 0) return null;
    const id = await this.writer.writeObject(merged.data);
    // Kept: the next landing's "ours".
    this.remember(id, merged);
    return id;
  }

  private async tree(id: string): Promise<RawTree> {
    const cached = this.trees.get(id);
    if (cached) {
      // Most recently used last.
      this.trees.delete(id);
      this.trees.set(id, cached);
      return cached;
    }
    const object = await this.reader.read(id);
    if (object?.type !== 'tree') throw new Fallback('unusual');
    this.hashBytes = id.length / 2;
    const tree = new RawTree(object.data, this.hashBytes);
    this.remember(id, tree);
    return tree;
  }

  private remember(id: string, tree: RawTree): void {
    this.trees.set(id, tree);
    if (this.trees.size > TREE_CACHE_SIZE) this.trees.delete(this.trees.keys().next().value!);
  }

  /** A `.gitattributes` in a folder the merge rewrites: merge-related attributes leave it to git. */
  private async checkAttributes(entry: TreeEntry | undefined): Promise<void> {
    if (!entry) return;
    let risky = this.attributes.get(entry.oid);
    if (risky === undefined) {
      const object = entry.mode === '40000' ? null : await this.reader.read(entry.oid);
      risky = !object || MERGE_ATTRIBUTES.test(object.data.toString('latin1'));
      this.attributes.set(entry.oid, risky);
    }
    if (risky) throw new Fallback('attributes');
  }
}

function same(a: TreeEntry | undefined, b: TreeEntry | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.oid === b.oid && a.mode === b.mode);
}

/** A change one side made alone that is still left to git: a submodule, a file↔folder change. */
function checkChange(before: TreeEntry | undefined, after: TreeEntry | undefined): void {
  if (before?.mode === '160000' || after?.mode === '160000') throw new Fallback('gitlink');
  if (before && after && (before.mode === '40000') !== (after.mode === '40000'))
    throw new Fallback('type-change');
}
