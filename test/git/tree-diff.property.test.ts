import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type GitObject, ObjectReader, type TreeEntry, treeObject } from '../../src/git/object-batch.js';
import { compareNames } from '../../src/git/raw-tree.js';
import { type BlobChange, diffTrees, type TreeReader } from '../../src/git/tree-diff.js';
import { git, gitRepo } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';
import { applyRandomEdit, type RandomEdit, randomEditArb } from './fixtures/random-edits.js';

/**
 * The switch's tree diff compares trees as bytes and decodes only the entries that differ
 * (galloping over identical stretches). Checked against the obvious diff (every entry of both
 * trees parsed into maps, folders recursed) on random in-memory trees, big folders with a few
 * changes among them included, and against `git diff-tree -r` on random commits.
 */

const readers: ObjectReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.close();
});

type Node = Map<string, { mode: string; oid?: string; children?: Node }>;

/** git's order of names (a folder compared as if its name ended in `/`). */
function gitOrder([a, x]: readonly [string, TreeEntry], [b, y]: readonly [string, TreeEntry]): number {
  const ab = Buffer.from(a, 'latin1');
  const bb = Buffer.from(b, 'latin1');
  return compareNames(ab, 0, ab.length, x.mode === '40000', bb, 0, bb.length, y.mode === '40000');
}

/** Stores `node` (and its folders) in `store` as raw tree objects; returns its id. */
function storeTree(node: Node, store: Map<string, Buffer>): string {
  const entries: Array<[string, TreeEntry]> = [];
  for (const [name, item] of node) {
    const oid = item.children ? storeTree(item.children, store) : item.oid!;
    entries.push([name, { mode: item.mode, oid }]);
  }
  entries.sort(gitOrder);
  const data = treeObject(entries);
  const oid = createHash('sha1').update(`tree ${data.length}\0`).update(data).digest('hex');
  store.set(oid, data);
  return oid;
}

function memoryReader(store: Map<string, Buffer>): TreeReader {
  return {
    read: async (oid): Promise<GitObject | null> => {
      const data = store.get(oid);
      return data ? { oid, type: 'tree', data } : null;
    },
  };
}

/** The obvious diff: both trees parsed whole; blob paths with their modes and ids, sorted. */
function naiveDiff(a: Node | undefined, b: Node | undefined, prefix = ''): string[] {
  const out: string[] = [];
  const names = new Set([...(a?.keys() ?? []), ...(b?.keys() ?? [])]);
  for (const name of names) {
    const x = a?.get(name);
    const y = b?.get(name);
    const path = `${prefix}${name}`;
    if (x?.children || y?.children) {
      out.push(...naiveDiff(x?.children, y?.children, `${path}/`));
      continue;
    }
    if (x && y && x.mode === y.mode && x.oid === y.oid) continue;
    out.push(`${path} ${x ? `${x.mode} ${x.oid}` : '-'} ${y ? `${y.mode} ${y.oid}` : '-'}`);
  }
  return out.sort();
}

function describeChanges(changes: readonly BlobChange[]): string[] {
  const side = (s: BlobChange['from']) => (s ? `${s.mode.toString(8)} ${s.oid}` : '-');
  return changes.map((c) => `${c.path} ${side(c.from)} ${side(c.to)}`).sort();
}

const oidOf = (n: number) => createHash('sha1').update(String(n)).digest('hex');

describe('diffTrees (the switch’s tree diff) against the obvious diff', () => {
  it('finds every differing blob path of random nested trees, big folders with a few changes included', async () => {
    // Names that sort around each other in git's tricky ways, plus many numbered ones (a big folder).
    const small = ['a', 'a.b', 'a0', 'b', 'é', 'out-1.txt', 'out-10.txt'];
    const treeArb = fc
      .record({
        size: fc.integer({ min: 0, max: 400 }),
        seed: fc.integer({ min: 0, max: 1000 }),
        folders: fc.uniqueArray(fc.constantFrom('d', 'a', 'out-1', 'z'), { maxLength: 3 }),
        edits: fc.array(
          fc.record({
            index: fc.nat(),
            kind: fc.constantFrom('remove', 'content', 'mode', 'add', 'deep'),
          }),
          { maxLength: 8 },
        ),
      })
      .map(({ size, seed, folders, edits }) => {
        const make = (depth: number): Node => {
          const node: Node = new Map();
          const count = depth === 0 ? size : Math.min(size, 20);
          for (let i = 0; i < count; i++)
            node.set(`f${(i * 7919 + seed) % 100_000}.txt`, { mode: '100644', oid: oidOf(i + seed) });
          for (const name of small) node.set(name, { mode: '100644', oid: oidOf(name.length) });
          if (depth < 2)
            for (const name of folders) node.set(name, { mode: '40000', children: make(depth + 1) });
          return node;
        };
        const before = make(0);
        const after = make(0);
        for (const [n, { index, kind }] of edits.entries()) {
          let node = after;
          if (kind === 'deep') {
            const folder = [...node.values()].find((item) => item.children);
            if (!folder?.children) continue;
            node = folder.children;
          }
          const names = [...node.keys()].filter((name) => !node.get(name)!.children);
          const name = names[index % Math.max(names.length, 1)];
          if (kind === 'add' || name === undefined)
            node.set(`new-${n}-${index % 50}`, { mode: '100755', oid: oidOf(-n) });
          else if (kind === 'remove') node.delete(name);
          else if (kind === 'mode') node.set(name, { mode: '100755', oid: node.get(name)!.oid! });
          else node.set(name, { mode: '120000', oid: oidOf(-100 - n) });
        }
        return { before, after };
      });
    await fc.assert(
      fc.asyncProperty(treeArb, async ({ before, after }) => {
        const store = new Map<string, Buffer>();
        const from = storeTree(before, store);
        const to = storeTree(after, store);
        const changes: BlobChange[] = [];
        const reason = await diffTrees(
          memoryReader(store),
          { oid: from, data: store.get(from)! },
          { oid: to, data: store.get(to)! },
          20,
          changes,
          100_000,
        );
        expect(reason).toBeNull();
        expect(describeChanges(changes)).toEqual(naiveDiff(before, after));
      }),
      propertySettings(300),
    );
  });

  it('says "file and folder" when a name turns from one into the other, "submodule" for a gitlink', async () => {
    const store = new Map<string, Buffer>();
    const file: Node = new Map([['x', { mode: '100644', oid: oidOf(1) }]]);
    const folder: Node = new Map([
      ['x', { mode: '40000', children: new Map([['y', { mode: '100644', oid: oidOf(2) }]]) }],
    ]);
    const gitlink: Node = new Map([['x', { mode: '160000', oid: oidOf(3) }]]);
    const reader = memoryReader(store);
    const root = (node: Node) => {
      const oid = storeTree(node, store);
      return { oid, data: store.get(oid)! };
    };
    expect(await diffTrees(reader, root(file), root(folder), 20, [], 100)).toBe('file and folder');
    expect(await diffTrees(reader, root(folder), root(file), 20, [], 100)).toBe('file and folder');
    expect(await diffTrees(reader, root(file), root(gitlink), 20, [], 100)).toBe('submodule');
  });
});

describe('diffTrees against git diff-tree -r (property, real commits)', () => {
  it('lists the blob paths, modes and ids git diff-tree -r lists, on random pairs of commits', async () => {
    const editArb = randomEditArb({
      names: ['a', 'b', 'c.txt', 'x'],
      kinds: ['write', 'remove', 'link', 'chmod'],
      texts: ['1\n', '22\n'],
      targets: ['a', '../x'],
    });
    const apply = (dir: string, edits: RandomEdit[]) => {
      for (const edit of edits) applyRandomEdit(dir, edit);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(editArb, { minLength: 1, maxLength: 6 }),
        fc.array(editArb, { minLength: 1, maxLength: 6 }),
        async (first, second) => {
          // A big flat folder too: its unchanged stretches are skipped, not decoded.
          const files: Record<string, string> = { 'a/c.txt': 'c\n', 'x/a/b': 'deep\n', 'c.txt': 'top\n' };
          for (let i = 0; i < 200; i++) files[`out-${i}.txt`] = `${i}\n`;
          const root = await gitRepo({ files });
          apply(root, first);
          await git(root, 'add', '-A');
          await git(root, 'commit', '-q', '--allow-empty', '-m', 'from');
          apply(root, second);
          writeFileSync(join(root, 'out-77.txt'), 'changed\n');
          await git(root, 'add', '-A');
          await git(root, 'commit', '-q', '--allow-empty', '-m', 'to');
          const reader = new ObjectReader(root);
          readers.push(reader);
          const [from, to] = await Promise.all([
            reader.treeOfCommit(await git(root, 'rev-parse', 'HEAD~1')),
            reader.treeOfCommit(await git(root, 'rev-parse', 'HEAD')),
          ]);
          const changes: BlobChange[] = [];
          const reason = await diffTrees(reader, from, to, 20, changes, 100_000);
          const raw = await git(root, 'diff-tree', '-r', '--no-renames', 'HEAD~1', 'HEAD');
          const theirs = raw
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [meta, path] = line.split('\t') as [string, string];
              const [fromMode, toMode, fromOid, toOid] = meta.slice(1).split(' ');
              const side = (mode: string, oid: string) => (/^0+$/.test(mode) ? '-' : `${mode} ${oid}`);
              return `${path} ${side(fromMode!, fromOid!)} ${side(toMode!, toOid!)}`;
            })
            .sort();
          if (reason === 'file and folder') {
            // git lists such a path as a deletion and additions below it (or the reverse).
            const paths = theirs.map((line) => line.split(' ')[0]!);
            expect(paths.some((p) => paths.some((q) => q.startsWith(`${p}/`)))).toBe(true);
            return;
          }
          expect(reason).toBeNull();
          expect(describeChanges(changes)).toEqual(theirs);
        },
      ),
      propertySettings(15),
    );
  });
});
