import { describe, expect, it } from 'vitest';
import { CommitWriter } from '../../src/git/commit-writer.js';
import { commitTree } from '../../src/git/git.js';
import { gitA } from '../helpers/async-cli.js';
import { gitRepo } from '../helpers/git-repo.js';

describe('CommitWriter (commits through one long-lived git process)', () => {
  it('writes the very commit git commit-tree writes (same tree, parents, identity, dates, message)', async () => {
    const root = await gitRepo({ files: { 'a.txt': '1' } });
    const first = await gitA(root, 'rev-parse', 'HEAD');
    await gitA(root, 'commit', '-q', '--allow-empty', '-m', 'two');
    const head = await gitA(root, 'rev-parse', 'HEAD');
    const tree = await gitA(root, 'rev-parse', 'HEAD^{tree}');
    const dates = { GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z', GIT_COMMITTER_DATE: '2024-05-01T10:00:01Z' };
    const saved = { ...process.env };
    Object.assign(process.env, dates);
    const writer = new CommitWriter(root);
    try {
      const message = 'Merge task t1: Write\n\nMilestone-Id: m\nTask-Id: t1\n';
      const written = await writer.write(tree, [head, first], message);
      expect(written).toBe(await commitTree(root, tree, [head, first], message));
      // A second commit through the same process.
      const again = await writer.write(tree, [written], 'second\n');
      expect(await gitA(root, 'log', '-1', '--format=%P%x00%s', again)).toBe(`${written}\0second`);
    } finally {
      await writer.close();
      process.env = saved;
    }
  });

  it("stamps each commit with its own time and git's identity when no date is fixed", async () => {
    const root = await gitRepo({ files: { 'a.txt': '1' } });
    const head = await gitA(root, 'rev-parse', 'HEAD');
    const writer = new CommitWriter(root);
    try {
      const before = Math.floor(Date.now() / 1000);
      const id = await writer.write(await writer.treeOf(head), [head], 'x\n');
      const [author, committer, time] = (
        await gitA(root, 'log', '-1', '--format=%an <%ae>%x00%cn <%ce>%x00%ct', id)
      ).split('\0');
      expect(author).toBe(await gitA(root, 'log', '-1', '--format=%an <%ae>', head));
      expect(committer).toBe(author);
      expect(Number(time)).toBeGreaterThanOrEqual(before);
      await expect(writer.treeOf('0'.repeat(40))).rejects.toThrow(/names no tree/);
    } finally {
      await writer.close();
    }
  });
});
