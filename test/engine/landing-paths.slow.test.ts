import { describe, expect, it } from 'vitest';
import type { Lander } from '../../src/engine/lander.js';
import { gitA } from '../helpers/async-cli.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';
import { spec, taskCommit, testLander } from './lander-fixture.js';

async function landAll(l: Lander, tasks: Array<[string, string, string]>) {
  const results = [];
  for (const [id, commit, parent] of tasks)
    results.push(await l.land(spec(id), `milestone/m.tasks/${id}`, 1, { commit, parent }));
  return results;
}

describe('how a landing merges', () => {
  it('merges tasks that started from an older head in memory, with the tree merge-tree would give', async () => {
    const root = await gitRepo({ files: { 'src/a.txt': 'a\n', 'docs/b.md': 'b\n' } });
    const base = await gitA(root, 'rev-parse', 'HEAD');
    await gitA(root, 'branch', 'milestone/m', base);
    const t1 = await taskCommit(root, 't1', base, { 'src/new/t1.txt': 't1\n' });
    const t2 = await taskCommit(root, 't2', base, { 'docs/b.md': 'b changed\n' });
    const t3 = await taskCommit(root, 't3', base, { 't3.txt': 't3\n' });
    const l = testLander(root);
    try {
      const results = await landAll(l, [
        ['t1', t1, base],
        ['t2', t2, base],
        ['t3', t3, base],
      ]);
      expect(results.every((r) => 'commit' in r)).toBe(true);
      expect(l.paths).toMatchObject({ sameBase: 1, inMemory: 2, mergeTree: 0, general: 0 });
    } finally {
      await l.close();
    }
    // The branch holds every task's change, as git's own merge of the three would.
    const files = (await gitA(root, 'ls-tree', '-r', '--name-only', 'milestone/m')).split('\n');
    expect(files).toEqual(expect.arrayContaining(['src/new/t1.txt', 't3.txt', 'src/a.txt']));
    expect(await gitA(root, 'show', 'milestone/m:docs/b.md')).toBe('b changed');
    const head = await gitA(root, 'rev-parse', 'milestone/m');
    const gitsTree = await gitA(root, 'merge-tree', '--write-tree', `${head}^1`, t3);
    expect(await gitA(root, 'rev-parse', `${head}^{tree}`)).toBe(gitsTree);
  });

  it('leaves overlapping changes, merge attributes and unknown start points to git merge-tree', async () => {
    const root = await gitRepo({ files: { 'a.txt': 'one\ntwo\nthree\nfour\nfive\n' } });
    const base = await gitA(root, 'rev-parse', 'HEAD');
    await gitA(root, 'branch', 'milestone/m', base);
    // Both change a.txt, far apart: git merges it cleanly, the in-memory merge must not try.
    const t1 = await taskCommit(root, 't1', base, { 'a.txt': 'ONE\ntwo\nthree\nfour\nfive\n' });
    const t2 = await taskCommit(root, 't2', base, { 'a.txt': 'one\ntwo\nthree\nfour\nFIVE\n' });
    // A commit of its own before the task's commit: its parent is no head the run knows.
    const own = await taskCommit(root, 'own', base, { 'own.txt': 'own\n' });
    const t3 = await taskCommit(root, 't3', own, { 't3.txt': 't3\n' });
    // A merge driver in .gitattributes: git decides.
    const t4 = await taskCommit(root, 't4', base, { '.gitattributes': '*.txt merge=union\n' });
    const t5 = await taskCommit(root, 't5', base, { 't5.txt': 't5\n' });
    const l = testLander(root);
    try {
      const results = await landAll(l, [
        ['t1', t1, base],
        ['t2', t2, base],
        ['t3', t3, own],
        ['t5', t5, base],
        ['t4', t4, base],
      ]);
      expect(results.every((r) => 'commit' in r)).toBe(true);
      expect(l.paths).toEqual({
        sameBase: 1,
        inMemory: 1,
        mergeTree: 3,
        fallbacks: { overlap: 1, lineage: 1, attributes: 1 },
        general: 0,
      });
    } finally {
      await l.close();
    }
    expect(await gitA(root, 'show', 'milestone/m:a.txt')).toBe('ONE\ntwo\nthree\nfour\nFIVE');
  });

  it('a run with MILESTONE_DEBUG=1 says how its landings merged: four tasks started from one head, three merged in memory', async () => {
    const repo = await milestoneRepo();
    // Each task waits until all four started, so all four start from the same head.
    const gate = tempDir('milestone-gate-');
    const tasks = Array.from({ length: 4 }, (_, i) => ({
      id: `t${i + 1}`,
      title: `write ${i + 1}`,
      run: `touch ${gate}/t${i + 1}; while [ $(ls ${gate} | wc -l) -lt 4 ]; do sleep 0.05; done; echo ${i} > out-${i + 1}.txt`,
    }));
    expect((await repo.plan({ version: 1, milestone: 'Paths', id: 'paths', tasks })).code).toBe(0);
    repo.env.MILESTONE_DEBUG = '1';
    const run = await repo.run(['execute', 'paths', '--mode', 'agents', '--concurrency', '4']);
    expect(run.code, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain(
      'landings: 3 in memory, 1 same base, 0 merge-tree, 0 general',
    );
    // And how the tasks' own git work went: every capture and commit in process, none by git.
    expect(`${run.stdout}${run.stderr}`).toMatch(
      /task git work: switches \d+ in process, 0 read-tree, 0 checkout; captures 4 in process, of which \d+ watched and \d+ whole( \([^)]*\))?, 0 git add; commits 4 in process, 0 by git/,
    );
    const files = (await git(repo.root, 'ls-tree', '--name-only', 'milestone/paths')).split('\n');
    expect(files).toEqual(expect.arrayContaining(['out-1.txt', 'out-2.txt', 'out-3.txt', 'out-4.txt']));
  });
});
