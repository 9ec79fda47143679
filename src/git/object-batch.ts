import { GitByteProcess, type GitProcessOptions } from './line-process.js';
import { ObjectWriter } from './object-writer.js';
import { rememberCommitTree, rememberTree, treeOfKnownCommit } from './tree-memory.js';

/** One object as `git cat-file --batch` gives it. */
export interface GitObject {
  /** The object's id (what a revision such as `<commit>^{tree}` named). */
  oid: string;
  type: string;
  data: Buffer;
}

/** One entry of a tree (its name is kept beside it, as the raw bytes in a latin1 string: git names are bytes). */
export interface TreeEntry {
  mode: string;
  oid: string;
}

const HEX = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Objects read through one long-lived `git cat-file --batch` (one process for any number of reads). */
export class ObjectReader extends GitByteProcess<GitObject | null> {
  constructor(cwd: string, options: GitProcessOptions = {}) {
    super(cwd, ['cat-file', '--batch'], options);
  }

  /** The object `oid` (a full hex id), or null when the repository does not have it. */
  read(oid: string): Promise<GitObject | null> {
    if (!HEX.test(oid)) return Promise.reject(new Error(`not an object id: ${oid}`));
    return this.request(`${oid}\n`);
  }

  /** The tree of the commit `commit` (a full hex id), in one round trip; null when there is none. */
  async treeOfCommit(commit: string): Promise<GitObject | null> {
    if (!HEX.test(commit)) throw new Error(`not an object id: ${commit}`);
    // A commit this process wrote (or read) lately, whose tree it wrote or read: no round trip.
    const known = treeOfKnownCommit(commit);
    if (known) return { oid: known.oid, type: 'tree', data: known.data };
    const object = await this.request(`${commit}^{tree}\n`);
    if (object?.type !== 'tree' || !HEX.test(object.oid)) return null;
    rememberCommitTree(commit, object.oid);
    rememberTree(object.oid, object.data);
    return object;
  }

  protected parse(buffer: Buffer): { value: GitObject | null; used: number } | null {
    const nl = buffer.indexOf(10);
    if (nl < 0) return null;
    const header = buffer.toString('latin1', 0, nl).split(' ');
    if (header[1] === 'missing' || header.length !== 3) return { value: null, used: nl + 1 };
    const size = Number(header[2]);
    // The content, then a newline.
    if (buffer.length < nl + 1 + size + 1) return null;
    const view = buffer.subarray(nl + 1, nl + 1 + size);
    // A copy keeps a small answer from holding on to a large buffer; a large answer that is (almost)
    // the whole buffer (a big tree, joined from its chunks) is used in place: one copy less.
    const data = size >= 16384 && size * 8 >= buffer.buffer.byteLength * 7 ? view : Buffer.from(view);
    return { value: { oid: header[0]!, type: header[1]!, data }, used: nl + 1 + size + 1 };
  }

  protected override bytesNeeded(buffer: Buffer): number {
    const nl = buffer.indexOf(10);
    if (nl < 0) return 0;
    const size = Number(buffer.toString('latin1', 0, nl).split(' ')[2]);
    return Number.isFinite(size) ? nl + 1 + size + 1 : 0;
  }
}

function hexValue(hex: string, at: number): number {
  const code = hex.charCodeAt(at);
  // 0-9 are 48-57, a-f are 97-102 (ids are lower-case hex, checked where they come from git).
  return code <= 57 ? code - 48 : code - 87;
}

/** The raw tree object of `entries`, which are in git's order. */
export function treeObject(entries: ReadonlyArray<readonly [string, TreeEntry]>): Buffer {
  let size = 0;
  for (const [name, { mode, oid }] of entries) size += mode.length + 1 + name.length + 1 + oid.length / 2;
  const data = Buffer.allocUnsafe(size);
  // Byte loops: a `Buffer.write` per field cost more than the fields are long.
  let at = 0;
  for (const [name, { mode, oid }] of entries) {
    for (let i = 0; i < mode.length; i++) data[at++] = mode.charCodeAt(i);
    data[at++] = 32;
    for (let i = 0; i < name.length; i++) data[at++] = name.charCodeAt(i);
    data[at++] = 0;
    for (let i = 0; i < oid.length; i += 2) data[at++] = (hexValue(oid, i) << 4) | hexValue(oid, i + 1);
  }
  return data;
}

/**
 * Trees written through one long-lived `git hash-object -w -t tree --stdin-paths` (as
 * `CommitWriter` writes commits): the tree object is made here in git's canonical form, git
 * checks its format and stores it. Unlike `git mktree`, nothing looks up every entry's object
 * (a folder of 5,000 loose files took mktree half a second per tree).
 *
 * Stored loose without compression (`core.looseCompression=0`): a tree is mostly object ids,
 * which deflate barely shrinks (a 5,000-entry folder: ~200 KB raw, ~125 KB at git's default
 * level 1), yet deflating it cost ~2.5 ms of the ~7 ms `hash-object` spent on each such tree,
 * two per landing in a flat repository (and `cat-file` inflates it again, ~1.8 ms against
 * ~0.6 ms stored). The objects are the
 * same; `git gc` (the run's closing `maintenance run --auto`) compresses them when it packs them.
 */
export class TreeWriter {
  private readonly hasher: ObjectWriter;

  constructor(cwd: string, options: GitProcessOptions = {}) {
    this.hasher = new ObjectWriter(cwd, 'tree', options, ['core.looseCompression=0']);
  }

  /** Writes the tree of `entries` (in git's order) and returns its id. */
  write(entries: ReadonlyArray<readonly [string, TreeEntry]>): Promise<string> {
    return this.writeObject(treeObject(entries));
  }

  /** Writes a raw tree object (git checks its format) and returns its id. */
  async writeObject(data: Buffer): Promise<string> {
    const id = await this.hasher.writeData(data);
    rememberTree(id, data);
    return id;
  }

  /** Ends the process and removes the private folder. */
  close(): Promise<void> {
    return this.hasher.close();
  }
}
