import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentBranch, listWorktrees, pruneWorktrees, removeWorktree } from '../../src/git/git.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

describe('worktrees', () => {
  it('lists a worktree on a new branch and removes it', async () => {
    const repo = await gitRepo();
    const path = join(tempDir(), 'wt-a');
    await git(repo, 'worktree', 'add', '-q', '-b', 'milestone/x.tasks/a', path, 'main');
    expect(existsSync(join(path, 'README.md'))).toBe(true);
    expect(await currentBranch(repo)).toBe('main');

    const listed = await listWorktrees(repo);
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ path: repo, branch: 'main', prunable: false });
    expect(listed[1]).toMatchObject({
      path,
      branch: 'milestone/x.tasks/a',
      head: await git(repo, 'rev-parse', 'main'),
    });

    writeFiles(path, { 'dirty.txt': 'uncommitted' });
    await removeWorktree(repo, path);
    expect(existsSync(path)).toBe(false);
    expect(await listWorktrees(repo)).toHaveLength(1);
    // The branch outlives its worktree.
    expect(await git(repo, 'branch', '--list', 'milestone/x.tasks/a')).not.toBe('');
  });

  it('tolerates removing a worktree that is already gone', async () => {
    const repo = await gitRepo();
    const path = join(tempDir(), 'wt');
    await git(repo, 'worktree', 'add', '-q', '-b', 'task', path, 'main');
    rmSync(path, { recursive: true, force: true });
    expect((await listWorktrees(repo))[1]?.prunable).toBe(true);
    await removeWorktree(repo, path);
    expect(await listWorktrees(repo)).toHaveLength(1);
    await removeWorktree(repo, path);
    await removeWorktree(repo, join(tempDir(), 'never-existed'));
  });

  it('prunes records of deleted worktree folders', async () => {
    const repo = await gitRepo();
    const path = join(tempDir(), 'wt');
    await git(repo, 'worktree', 'add', '-q', '-b', 'task', path, 'main');
    rmSync(path, { recursive: true, force: true });
    await pruneWorktrees(repo);
    expect(await listWorktrees(repo)).toHaveLength(1);
  });

  it('reports a detached worktree without a branch', async () => {
    const repo = await gitRepo();
    const path = join(tempDir(), 'wt');
    await git(repo, 'worktree', 'add', '-q', '--detach', path, 'main');
    expect((await listWorktrees(repo))[1]).toMatchObject({
      path,
      branch: null,
      head: await git(repo, 'rev-parse', 'main'),
    });
  });
});
