import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBranch, mergeInto, mergeTree } from '../../src/git/git.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

/** A branch `name` off `main` with `files` committed in its own worktree. */
async function taskWith(repo: string, name: string, files: Record<string, string>): Promise<string> {
  const path = join(tempDir(), name);
  await git(repo, 'worktree', 'add', '-q', '-b', name, path, 'main');
  writeFiles(path, files);
  await git(path, 'add', '-A');
  await git(path, 'commit', '-q', '-m', `task ${name}`, '--trailer', `Task-Id: ${name}`);
  return await git(path, 'rev-parse', 'HEAD');
}

/** `Task-Id` trailers on `ref` since `main`, newest first. */
async function taskIds(repo: string, ref: string): Promise<string[]> {
  return (await git(repo, 'log', '--format=%(trailers:key=Task-Id,valueonly)', ref, '^main'))
    .split('\n')
    .filter((line) => line !== '');
}

describe('mergeTree', () => {
  it('reports a clean merge with the merged tree', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a\n' } });
    await taskWith(repo, 't1', { 'b.txt': 'b\n' });
    const result = await mergeTree(repo, 'main', 't1');
    expect(result).toEqual({ clean: true, tree: await git(repo, 'rev-parse', 't1^{tree}') });
  });

  it('names each conflicting file once', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'base\n', 'b.txt': 'base\n' } });
    await taskWith(repo, 'left', { 'a.txt': 'left\n', 'b.txt': 'left\n', 'only-left.txt': 'x' });
    await taskWith(repo, 'right', { 'a.txt': 'right\n', 'b.txt': 'right\n', 'only-right.txt': 'y' });
    const result = await mergeTree(repo, 'left', 'right');
    expect(result.clean).toBe(false);
    if (!result.clean) expect(result.conflicts.sort()).toEqual(['a.txt', 'b.txt']);
  });
});

describe('mergeInto', () => {
  it('creates a two-parent merge commit and moves the branch without a checkout', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a\n' } });
    await createBranch(repo, 'milestone/m', 'main');
    const task = await taskWith(repo, 't1', { 'b.txt': 'b\n' });
    const before = await git(repo, 'rev-parse', 'milestone/m');

    const result = await mergeInto(repo, { target: 'milestone/m', source: 't1', message: 'merge t1' });
    expect(result).toMatchObject({ merged: true, alreadyMerged: false });
    const head = await git(repo, 'rev-parse', 'milestone/m');
    if (result.merged) expect(result.commit).toBe(head);
    expect(await git(repo, 'log', '-1', '--format=%P', head)).toBe(`${before} ${task}`);
    expect(await git(repo, 'log', '-1', '--format=%s', head)).toBe('merge t1');
    expect(await git(repo, 'show', `${head}:b.txt`)).toBe('b');
    // The checked-out branch and working tree are untouched.
    expect(await git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(await git(repo, 'status', '--porcelain')).toBe('');
    expect(await taskIds(repo, 'milestone/m')).toEqual(['t1']);
  });

  it('is a no-op when the source already landed', async () => {
    const repo = await gitRepo();
    await createBranch(repo, 'milestone/m', 'main');
    await taskWith(repo, 't1', { 'b.txt': 'b\n' });
    const first = await mergeInto(repo, { target: 'milestone/m', source: 't1', message: 'merge t1' });
    const again = await mergeInto(repo, { target: 'milestone/m', source: 't1', message: 'merge t1' });
    expect(again).toEqual({ merged: true, commit: first.merged ? first.commit : '', alreadyMerged: true });
  });

  it('returns the conflicting files and leaves the branch where it was', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'base\n' } });
    await createBranch(repo, 'milestone/m', 'main');
    await taskWith(repo, 'left', { 'a.txt': 'left\n' });
    await taskWith(repo, 'right', { 'a.txt': 'right\n' });
    await mergeInto(repo, { target: 'milestone/m', source: 'left', message: 'merge left' });
    const head = await git(repo, 'rev-parse', 'milestone/m');
    const result = await mergeInto(repo, { target: 'milestone/m', source: 'right', message: 'merge right' });
    expect(result).toEqual({ merged: false, conflicts: ['a.txt'] });
    expect(await git(repo, 'rev-parse', 'milestone/m')).toBe(head);
  });

  it('loses no merge when two writers merge into one branch at once', async () => {
    const repo = await gitRepo();
    await createBranch(repo, 'milestone/m', 'main');
    await taskWith(repo, 't1', { 't1.txt': '1\n' });
    await taskWith(repo, 't2', { 't2.txt': '2\n' });
    const results = await Promise.all([
      mergeInto(repo, { target: 'milestone/m', source: 't1', message: 'merge t1' }),
      mergeInto(repo, { target: 'milestone/m', source: 't2', message: 'merge t2' }),
    ]);
    expect(results.every((r) => r.merged)).toBe(true);
    expect((await taskIds(repo, 'milestone/m')).sort()).toEqual(['t1', 't2']);
  });

  it('refuses a source that is not a commit', async () => {
    const repo = await gitRepo();
    await createBranch(repo, 'milestone/m', 'main');
    await expect(
      mergeInto(repo, { target: 'milestone/m', source: 'nope', message: 'm' }),
    ).rejects.toMatchObject({
      code: 'MILESTONE_GIT',
    });
  });
});
