import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { treeObject } from '../../src/git/object-batch.js';
import {
  changedEntries,
  compareNames,
  type EntryChange,
  RawTree,
  type TreeEdit,
} from '../../src/git/raw-tree.js';
import { propertySettings } from '../helpers/property.js';

/**
 * `RawTree` finds what changed between two trees from their bytes and splices entries into a
 * tree's bytes; both are checked here against the obvious way (every entry parsed, the tree
 * serialized again). Names and ids come from small sets, so that neighbouring entries share
 * many bytes (the common prefix and suffix then end inside entries) and names sort around each
 * other in git's tricky ways: `a`, `a.b`, `a0` and the folder `a` (compared as `a/`).
 */

type Entry = { mode: string; oid: string };
type Entries = Map<string, Entry>;

const FILE_NAMES = [
  'a.b',
  'a0',
  'b',
  'x1',
  'x2',
  'x3',
  'x10',
  'out-1.txt',
  'out-10.txt',
  'out-100.txt',
  'ü',
  'é',
];
const DIR_NAMES = ['a', 'x', 'out-1', 'c'];
const OIDS = ['11'.repeat(20), '12'.repeat(20), `${'11'.repeat(19)}12`, `00${'11'.repeat(19)}`];
const FILE_MODES = ['100644', '100755', '120000'];

const entries = fc
  .record({
    files: fc.uniqueArray(fc.constantFrom(...FILE_NAMES), { maxLength: FILE_NAMES.length }),
    dirs: fc.uniqueArray(fc.constantFrom(...DIR_NAMES), { maxLength: DIR_NAMES.length }),
    oids: fc.array(fc.constantFrom(...OIDS), { minLength: 16, maxLength: 16 }),
    modes: fc.array(fc.constantFrom(...FILE_MODES), { minLength: 16, maxLength: 16 }),
  })
  .map(({ files, dirs, oids, modes }) => {
    const tree: Entries = new Map();
    for (const [i, name] of files.entries()) tree.set(name, { mode: modes[i]!, oid: oids[i]! });
    for (const [i, name] of dirs.entries()) tree.set(name, { mode: '40000', oid: oids[15 - i]! });
    return tree;
  });

/** One change to a tree: delete a name, or set it (a file name stays a file, a folder a folder). */
const change = fc.record({
  name: fc.constantFrom(...FILE_NAMES, ...DIR_NAMES),
  remove: fc.boolean(),
  oid: fc.constantFrom(...OIDS),
  mode: fc.constantFrom(...FILE_MODES),
});

function applyChanges(
  tree: Entries,
  changes: Array<typeof change extends fc.Arbitrary<infer T> ? T : never>,
) {
  const out = new Map(tree);
  for (const c of changes) {
    if (c.remove) out.delete(c.name);
    else out.set(c.name, { mode: DIR_NAMES.includes(c.name) ? '40000' : c.mode, oid: c.oid });
  }
  return out;
}

/** git's order, the obvious way: a folder's name compared with a `/` after it. */
function sorted(tree: Entries): Array<[string, Entry]> {
  const key = (name: string, entry: Entry) =>
    Buffer.from(entry.mode === '40000' ? `${name}/` : name, 'latin1');
  return [...tree].sort(([a, ea], [b, eb]) => Buffer.compare(key(a, ea), key(b, eb)));
}

function raw(tree: Entries): RawTree {
  return new RawTree(treeObject(sorted(tree)), 20);
}

function naiveChanges(before: Entries, after: Entries): Map<string, EntryChange> {
  const out = new Map<string, EntryChange>();
  for (const [name, e] of before) {
    const other = after.get(name);
    if (!other) out.set(name, { before: e });
    else if (other.mode !== e.mode || other.oid !== e.oid) out.set(name, { before: e, after: other });
  }
  for (const [name, e] of after) if (!before.has(name)) out.set(name, { after: e });
  return out;
}

const latin1 = (name: string) => Buffer.from(name, 'utf8').toString('latin1');

describe('RawTree', () => {
  it('finds exactly the entries that differ between two trees', () => {
    fc.assert(
      fc.property(entries, fc.array(change, { maxLength: 5 }), (tree, changes) => {
        const base = new Map([...tree].map(([n, e]) => [latin1(n), e]));
        const other = applyChanges(tree, changes);
        const otherLatin = new Map([...other].map(([n, e]) => [latin1(n), e]));
        const found = changedEntries(raw(base), raw(otherLatin));
        expect(found).not.toBeNull();
        const sort = (m: Map<string, EntryChange>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
        expect(sort(found!)).toEqual(sort(naiveChanges(base, otherLatin)));
      }),
      propertySettings(400),
    );
  });

  it('splices changes into the bytes as a tree written afresh would hold them, entry offsets included', () => {
    fc.assert(
      fc.property(entries, fc.array(change, { maxLength: 5 }), (tree, changes) => {
        const before = new Map([...tree].map(([n, e]) => [latin1(n), e]));
        const after = new Map([...applyChanges(tree, changes)].map(([n, e]) => [latin1(n), e]));
        const rawBefore = raw(before);
        const edits: Array<TreeEdit & { key: Buffer; dir: boolean }> = [];
        for (const [name, { after: entry }] of naiveChanges(before, after)) {
          const key = Buffer.from(name, 'latin1');
          const found = rawBefore.find(name);
          const dir = (entry ?? found?.entry)?.mode === '40000';
          const insert = entry && { name, ...entry };
          if (found) edits.push({ at: found.index, remove: true, ...(insert && { insert }), key, dir });
          else edits.push({ at: rawBefore.lowerBound(key, dir), remove: false, insert: insert!, key, dir });
        }
        edits.sort(
          (x, y) =>
            x.at - y.at ||
            Number(x.remove) - Number(y.remove) ||
            compareNames(x.key, 0, x.key.length, x.dir, y.key, 0, y.key.length, y.dir),
        );
        const spliced = rawBefore.splice(edits);
        const fresh = raw(after);
        expect(spliced.data.equals(fresh.data)).toBe(true);
        expect([...spliced.starts]).toEqual([...fresh.starts]);
        expect(spliced.count).toBe(after.size);
        for (const [name, entry] of after) expect(spliced.find(name)?.entry).toEqual({ name, ...entry });
      }),
      propertySettings(400),
    );
  });

  it('knows git order and what is not a canonical, ordered tree', () => {
    const tree = raw(
      new Map([
        ['a', { mode: '40000', oid: OIDS[0]! }],
        ['a.b', { mode: '100644', oid: OIDS[1]! }],
        ['a0', { mode: '100644', oid: OIDS[1]! }],
      ]),
    );
    // The folder `a` sorts as `a/`: after `a.b`, before `a0`.
    expect([0, 1, 2].map((i) => tree.entry(i).name)).toEqual(['a.b', 'a', 'a0']);
    expect(tree.ordered && tree.canonical).toBe(true);
    expect(tree.find('a')).toEqual({ index: 1, entry: { name: 'a', mode: '40000', oid: OIDS[0] } });
    expect(tree.find('b')).toBeUndefined();
    // Out of order, and an old git's `040000`.
    const swapped = new RawTree(
      treeObject([
        ['b', { mode: '100644', oid: OIDS[0]! }],
        ['a', { mode: '100644', oid: OIDS[0]! }],
      ]),
      20,
    );
    expect(swapped.ordered).toBe(false);
    const old = new RawTree(treeObject([['a', { mode: '040000', oid: OIDS[0]! }]]), 20);
    expect(old.canonical).toBe(false);
    expect(() => new RawTree(Buffer.from('100644 a'), 20).count).toThrow('malformed tree object');
  });
});
