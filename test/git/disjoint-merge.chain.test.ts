import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisjointMerge } from '../../src/git/disjoint-merge.js';
import { GIT_ENV, git, gitRepo, runFile } from '../helpers/git-repo.js';

/**
 * The lander's use of the in-memory merge, step by step against git: a branch whose root folder
 * is large (the flat bench layout) and has nested folders, tasks that start from one of the last
 * few heads (concurrency), each changing its own paths (adds in the root, in nested and new
 * folders, names that sort around folders, a delete of a file landed before it started, a mode
 * change), every merge's "ours" the tree the previous merge wrote (spliced, never re-read).
 * Each merged tree must be `git merge-tree --write-tree`'s.
 */

const ROOT_FILES = 400;

/** Runs `git fast-import` with `stream` (which ends by asking for mark `:1`); returns that commit id. */
async function importCommit(repo: string, stream: string): Promise<string> {
  const run = await runFile('git', ['fast-import', '--quiet', '--force'], repo, GIT_ENV, stream);
  const mark = /^([0-9a-f]{40,64})$/m.exec(run.stdout);
  if (run.code !== 0 || !mark) throw new Error(`fast-import failed: ${run.stderr}`);
  return mark[1]!;
}

/** A commit on `from` with file changes: `M <mode> <path> <content>` or `D <path>`. */
function commitOn(repo: string, ref: string, from: string, changes: string[][]): Promise<string> {
  const lines = [
    `commit ${ref}`,
    'mark :1',
    'committer T <t@example.invalid> 0 +0000',
    'data 0',
    `from ${from}`,
  ];
  for (const change of changes) {
    if (change[0] === 'D') lines.push(`D ${change[1]}`);
    else
      lines.push(`M ${change[1]} inline ${change[2]}`, `data ${Buffer.byteLength(change[3]!)}`, change[3]!);
  }
  return importCommit(repo, `${lines.join('\n')}\nget-mark :1\n`);
}

describe('in-memory merges chained as the lander runs them', () => {
  let repo: string;
  let merger: DisjointMerge;
  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < ROOT_FILES; i++) files[`f-${i}.txt`] = `${i % 7}\n`;
    files['deep/er/x.txt'] = 'x\n';
    files['deep/y.txt'] = 'y\n';
    files['a.b'] = 'a.b\n';
    files.a0 = 'a0\n';
    files['a/inside.txt'] = 'inside\n';
    files['tool.sh'] = 'echo\n';
    repo = await gitRepo({ files });
    merger = new DisjointMerge(repo);
  });
  afterAll(async () => {
    await merger.close();
  });

  it('writes exactly the trees git merge-tree writes, landing after landing', async () => {
    const heads = [await git(repo, 'rev-parse', 'HEAD')];
    const landed: string[] = [];
    let inMemory = 0;
    for (let k = 0; k < 40; k++) {
      // A task starts from one of the last four heads (they are on the branch: the merge base).
      const start = heads[Math.max(0, heads.length - 1 - (k % 4))]!;
      const changes: string[][] = [['M', '100644', `out-${k}.txt`, `${k}\n`]];
      if (k % 3 === 0) changes.push(['M', '100644', `deep/er/n-${k}.txt`, `${k}\n`]);
      if (k % 5 === 1) changes.push(['M', '100755', `new-${k}/sub/run.sh`, 'echo\n']);
      // Names that sort on either side of a folder named like them.
      if (k % 7 === 2) changes.push(['M', '100644', `a/t-${k}`, 'a\n'], ['M', '100644', `t-${k}.b`, 'b\n']);
      // A file that landed before this task started, and one of the base's.
      if (k % 4 === 3) changes.push(['D', `f-${k}.txt`]);
      if (k % 6 === 5) changes.push(['M', '100755', `f-${100 + k}.txt`, `${(100 + k) % 7}\n`]);
      const startLanded = await git(repo, 'ls-tree', '--name-only', start);
      const older = landed.find((name) => startLanded.split('\n').includes(name));
      if (k % 8 === 7 && older) {
        changes.push(['D', older]);
        landed.splice(landed.indexOf(older), 1);
      }
      const theirs = await commitOn(repo, `refs/heads/task-${k}`, start, changes);
      const ours = heads.at(-1)!;
      const [baseTree, oursTree, theirsTree] = await Promise.all(
        [start, ours, theirs].map((c) => merger.treeOf(c)),
      );
      const mine = await merger.merge(baseTree!, oursTree!, theirsTree!);
      const gits = await git(repo, 'merge-tree', '--write-tree', '--no-messages', ours, theirs);
      expect(mine).toEqual({ tree: gits });
      inMemory += 1;
      heads.push(await git(repo, 'commit-tree', gits, '-p', ours, '-p', theirs, '-m', `merge ${k}`));
      landed.push(`out-${k}.txt`);
    }
    expect(inMemory).toBe(40);
    // Nothing was lost along the way: the last head holds every landed file.
    const final = (await git(repo, 'ls-tree', '--name-only', heads.at(-1)!)).split('\n');
    for (const name of landed) expect(final).toContain(name);
  });
});
