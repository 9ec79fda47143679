import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitDirOf } from '../../src/git/head.js';
import { clearIndexCache, indexCacheCounts, loadIndex } from '../../src/git/index-cache.js';
import { commitIndex } from '../../src/git/index-commit.js';
import { type IndexSnapshot, readIndex } from '../../src/git/index-file.js';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { clearTreeMemory, treeMemoryCounts } from '../../src/git/tree-memory.js';
import { stageInProcess } from '../../src/git/worktree-capture.js';
import { switchCleanWorktree, switchCounts } from '../../src/git/worktree-switch.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';

/**
 * A slot's parsed index stays in memory between the switch, the capture and the commit, and
 * across tasks; it must never be used once anyone else wrote the file (git, an agent, a hook).
 */

afterEach(async () => {
  await closeRepositoryWriters();
  clearIndexCache();
  clearTreeMemory();
});

/** A repository with a second commit on `main`, and a worktree (the slot) on `slot` at the first. */
async function slot() {
  const root = await gitRepo({ files: { 'keep.txt': 'k\n', '.gitignore': 'build/\n', 'src/a.ts': 'a\n' } });
  const first = await git(root, 'rev-parse', 'HEAD');
  writeFiles(root, { 'src/a.ts': 'a2\n', 'src/b.ts': 'b\n' });
  await git(root, 'add', '-A');
  await git(root, 'commit', '-qm', 'second');
  const second = await git(root, 'rev-parse', 'HEAD');
  const worktree = `${root}-slot`;
  await git(root, 'worktree', 'add', '-q', '-b', 'slot', worktree, first);
  return { root, worktree, first, second, gitDir: gitDirOf(worktree) };
}

function paths(gitDir: string): string[] {
  const loaded = loadIndex(gitDir, 20);
  if ('problem' in loaded) throw new Error(loaded.problem);
  return loaded.index.paths;
}

describe('the slot’s index in memory (index-cache.ts)', () => {
  it('parses once, then answers from memory until git writes the index; then reads it again', async () => {
    const { worktree, gitDir } = await slot();
    const before = { ...indexCacheCounts };
    const first = loadIndex(gitDir, 20);
    const again = loadIndex(gitDir, 20);
    if ('problem' in first || 'problem' in again) throw new Error('no index');
    expect(again.index).toBe(first.index);
    expect(indexCacheCounts.parses - before.parses).toBe(1);
    expect(indexCacheCounts.hits - before.hits).toBe(1);
    writeFiles(worktree, { 'new.txt': 'n\n' });
    await git(worktree, 'add', 'new.txt');
    expect(paths(gitDir)).toContain('new.txt');
    expect(indexCacheCounts.parses - before.parses).toBe(2);
  });

  it('sees a rewrite in place of the same size with the old mtime put back (the ctime changed)', async () => {
    const { worktree, gitDir } = await slot();
    expect(paths(gitDir)).not.toContain('other.txt');
    // An index of the same size that names another file: git's file for a twin worktree state.
    writeFiles(worktree, { 'kept.txt': 'k\n' });
    await git(worktree, 'add', 'kept.txt');
    const file = join(gitDir, 'index');
    const withKept = readFileSync(file);
    expect(paths(gitDir)).toContain('kept.txt');
    await git(worktree, 'rm', '-q', '--cached', 'kept.txt');
    writeFiles(worktree, { 'other.tx': 'o\n' });
    await git(worktree, 'add', 'other.tx');
    const withOther = readFileSync(file);
    expect(withOther.length).toBe(withKept.length);
    expect(paths(gitDir)).toContain('other.tx');
    const { atime, mtime } = statSync(file);
    writeFileSync(file, withKept);
    utimesSync(file, atime, mtime);
    expect(paths(gitDir)).toContain('kept.txt');
    expect(paths(gitDir)).not.toContain('other.tx');
  });

  it('a switch, then git writes the index (a forced add of an ignored file), then the capture: the capture reads it again and keeps the entry', async () => {
    const { worktree, second, gitDir } = await slot();
    const inProcess = switchCounts.inProcess;
    expect(await switchCleanWorktree(worktree, 'task-1', second)).toBe(true);
    expect(switchCounts.inProcess).toBe(inProcess + 1);
    // The switch's own write is kept in memory: the next load parses nothing.
    const parses = indexCacheCounts.parses;
    expect(paths(gitDir)).toContain('src/b.ts');
    expect(indexCacheCounts.parses).toBe(parses);
    // The task runs git: an ignored file forced into the index (git add -A keeps such an entry).
    writeFiles(worktree, { 'build/out.log': 'log\n', 'task.txt': 't\n' });
    await git(worktree, 'add', '-f', 'build/out.log');
    expect(await stageInProcess(worktree, [])).toEqual(['task.txt']);
    expect(indexCacheCounts.parses).toBe(parses + 1);
    expect((await git(worktree, 'ls-files')).split('\n')).toEqual([
      '.gitignore',
      'README.md',
      'build/out.log',
      'keep.txt',
      'src/a.ts',
      'src/b.ts',
      'task.txt',
    ]);
    expect(await git(worktree, 'status', '--porcelain')).toBe(['A  build/out.log', 'A  task.txt'].join('\n'));
  });

  it('the capture, then git unstages a file, then the commit: the commit is of the index git left', async () => {
    const { worktree, second } = await slot();
    expect(await switchCleanWorktree(worktree, 'task-1', second)).toBe(true);
    writeFiles(worktree, { 'one.txt': '1\n', 'two.txt': '2\n' });
    expect(await stageInProcess(worktree, [])).toEqual(['one.txt', 'two.txt']);
    await git(worktree, 'rm', '-q', '--cached', 'two.txt');
    const commit = await commitIndex(worktree, second, 'task 1\n');
    expect(commit).not.toBeNull();
    expect(await git(worktree, 'ls-tree', '-r', '--name-only', commit!)).toBe(
      ['.gitignore', 'README.md', 'keep.txt', 'one.txt', 'src/a.ts', 'src/b.ts'].join('\n'),
    );
    expect(await git(worktree, 'rev-parse', `${commit}^{tree}`)).toBe(await git(worktree, 'write-tree'));
  });

  it('across tasks: a slot switched, captured and committed twice parses its index at most once', async () => {
    const { root, worktree, second, gitDir } = await slot();
    writeFiles(root, { 'src/c.ts': 'c\n' });
    await git(root, 'add', '-A');
    await git(root, 'commit', '-qm', 'third');
    const third = await git(root, 'rev-parse', 'HEAD');
    const parses = indexCacheCounts.parses;
    const hits = treeMemoryCounts.hits;
    for (const [n, target] of [second, third].entries()) {
      expect(await switchCleanWorktree(worktree, `task-${n}`, target)).toBe(true);
      writeFiles(worktree, { [`out-${n}.txt`]: `${n}\n` });
      expect(await stageInProcess(worktree, [])).toEqual([`out-${n}.txt`]);
      expect(await commitIndex(worktree, target, `task ${n}\n`)).not.toBeNull();
    }
    expect(indexCacheCounts.parses - parses).toBeLessThanOrEqual(1);
    // What is kept is what the file holds: the same as a fresh parse of it.
    const kept = loadIndex(gitDir, 20);
    const fresh = readIndex(join(gitDir, 'index'), 20);
    if ('problem' in kept || 'problem' in fresh) throw new Error('no index');
    const shape = (index: IndexSnapshot) => ({
      paths: index.paths,
      modes: index.modes,
      oidAt: index.oidAt,
      data: index.data.toString('hex'),
      entries: index.entries.map((e) => [e.path, e.mode, e.oid.toString('hex'), e.stat.toString('hex')]),
      starts: [...(index.layout?.starts ?? [])],
      cacheTree: index.cacheTree,
    });
    expect(shape(kept.index)).toEqual(shape(fresh));
    // The second switch starts from the commit commitIndex wrote: its tree is not read back (tree-memory.ts),
    // and the first switch's target (read once) is not read again either.
    expect(treeMemoryCounts.hits - hits).toBeGreaterThanOrEqual(1);
    // (git status may refresh and rewrite the index: asked only at the end.)
    expect(await git(worktree, 'status', '--porcelain')).toBe('');
    expect(await git(worktree, 'ls-files')).toContain('out-1.txt');
    expect(await git(worktree, 'ls-files')).not.toContain('out-0.txt');
  });
});
