import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommitWriter } from '../../src/git/commit-writer.js';
import { DisjointMerge } from '../../src/git/disjoint-merge.js';
import { TreeWriter } from '../../src/git/object-batch.js';
import { treeMemoryCounts } from '../../src/git/tree-memory.js';
import { gitA } from '../helpers/async-cli.js';
import { gitRepo } from '../helpers/git-repo.js';

describe('trees a landing just wrote are not read back through git', () => {
  it("the task commit's tree comes from memory, is what git stored, and merges as git merges it", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`out-${i}.txt`] = `${i}\n`;
    const root = await gitRepo({ files });
    const base = await gitA(root, 'rev-parse', 'HEAD');
    // Ours: the branch moved on through git itself.
    await writeFile(join(root, 'ours.txt'), 'ours\n');
    await gitA(root, 'add', 'ours.txt');
    await gitA(root, 'commit', '-q', '-m', 'ours');
    const ours = await gitA(root, 'rev-parse', 'HEAD');
    // Theirs: the task's commit, its tree and commit written by this process (as a task commit is).
    await writeFile(join(root, 'theirs.txt'), 'theirs\n');
    const blob = await gitA(root, 'hash-object', '-w', 'theirs.txt');
    const entries = (await gitA(root, 'ls-tree', base)).split('\n').map((line) => {
      const [meta, name] = line.split('\t');
      const [mode, , oid] = meta!.split(' ');
      return [name!, { mode: mode!, oid: oid! }] as const;
    });
    entries.push(['theirs.txt', { mode: '100644', oid: blob }]);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const trees = new TreeWriter(root);
    const commits = new CommitWriter(root);
    const merge = new DisjointMerge(root);
    try {
      const tree = await trees.write(entries);
      const theirs = await commits.write(tree, [base], 'task\n');
      const before = treeMemoryCounts.hits;
      expect(await merge.treeOf(theirs)).toBe(tree);
      expect(treeMemoryCounts.hits).toBe(before + 1);
      expect(await gitA(root, 'rev-parse', `${theirs}^{tree}`)).toBe(tree);
      // Commits git wrote (ours, the base) are read through cat-file as before.
      const [baseTree, oursTree] = [await merge.treeOf(base), await merge.treeOf(ours)];
      expect(treeMemoryCounts.hits).toBe(before + 1);
      const merged = await merge.merge(baseTree, oursTree, tree);
      const byGit = (await gitA(root, 'merge-tree', '--write-tree', ours, theirs)).split('\n')[0];
      expect(merged).toEqual({ tree: byGit });
      expect(await gitA(root, 'ls-tree', '--name-only', byGit!, 'ours.txt', 'theirs.txt')).toBe(
        'ours.txt\ntheirs.txt',
      );
    } finally {
      await Promise.all([trees.close(), commits.close(), merge.close()]);
    }
  });
});

describe('TreeWriter storage', () => {
  it('stores a large tree loose without deflate (its file is at least its size) and git reads it back', async () => {
    const root = await gitRepo();
    const blob = await gitA(root, 'rev-parse', 'HEAD:README.md');
    const entries = Array.from({ length: 3000 }, (_, i) => `out-${i}.txt`)
      .sort()
      .map((name) => [name, { mode: '100644', oid: blob }] as const);
    const trees = new TreeWriter(root);
    try {
      const tree = await trees.write(entries);
      const raw = Number(await gitA(root, 'cat-file', '-s', tree));
      // Object ids (the same one here) and names would deflate to a fraction: stored, they do not.
      const loose = await stat(join(root, '.git', 'objects', tree.slice(0, 2), tree.slice(2)));
      expect(loose.size).toBeGreaterThanOrEqual(raw);
      expect((await gitA(root, 'ls-tree', '--name-only', tree)).split('\n')).toEqual(entries.map(([n]) => n));
      await gitA(root, 'fsck', '--no-dangling', '--strict');
    } finally {
      await trees.close();
    }
  });
});
