import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { switchCleanWorktree, switchCounts } from '../../src/git/worktree-switch.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';

afterEach(async () => {
  await closeRepositoryWriters();
});

/** A repository with two later commits on `main` (one changes, adds and deletes), and a worktree on `old` at the first. */
async function repoWithWorktree() {
  const root = await gitRepo({ files: { 'keep.txt': 'k\n', 'src/a.ts': 'a\n', 'gone.txt': 'g\n' } });
  const first = await git(root, 'rev-parse', 'HEAD');
  writeFiles(root, { 'src/a.ts': 'a2\n', 'src/new/b.ts': 'b\n' });
  await git(root, 'rm', '-q', 'gone.txt');
  await git(root, 'add', '-A');
  await git(root, 'commit', '-qm', 'second');
  const second = await git(root, 'rev-parse', 'HEAD');
  const worktree = `${root}-wt`;
  await git(root, 'worktree', 'add', '-q', '-b', 'old', worktree, first);
  return { root, worktree, first, second };
}

describe('switchCleanWorktree (a clean slot to the next task without a full checkout)', () => {
  it('leaves the worktree as checkout --force -B would: files, index, branch and HEAD', async () => {
    const { root, worktree, second } = await repoWithWorktree();
    // The branch exists elsewhere already: -B resets it.
    await git(root, 'branch', 'next', 'HEAD~1');
    const before = switchCounts.inProcess;
    expect(await switchCleanWorktree(worktree, 'next', second)).toBe(true);
    expect(switchCounts.inProcess).toBe(before + 1);
    expect(await git(worktree, 'symbolic-ref', 'HEAD')).toBe('refs/heads/next');
    expect(await git(root, 'rev-parse', 'next')).toBe(second);
    expect(readFileSync(join(worktree, 'src/a.ts'), 'utf8')).toBe('a2\n');
    expect(readFileSync(join(worktree, 'src/new/b.ts'), 'utf8')).toBe('b\n');
    expect(await git(worktree, 'ls-files')).toBe(
      ['README.md', 'keep.txt', 'src/a.ts', 'src/new/b.ts'].join('\n'),
    );
    expect(await git(worktree, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    // The old branch stays where it was.
    expect(await git(root, 'rev-parse', 'old')).toBe(await git(root, 'rev-parse', 'HEAD~1'));
  });

  it('declines, changing nothing, when an untracked file is in the way or a post-checkout hook exists', async () => {
    const { root, worktree, first, second } = await repoWithWorktree();
    writeFileSync(join(worktree, 'src/new'), 'an untracked file where a folder comes\n');
    expect(await switchCleanWorktree(worktree, 'next', second)).toBe(false);
    expect(await git(worktree, 'rev-parse', 'HEAD')).toBe(first);
    expect(await git(worktree, 'symbolic-ref', 'HEAD')).toBe('refs/heads/old');
    expect(readFileSync(join(worktree, 'src/a.ts'), 'utf8')).toBe('a\n');
    await git(worktree, 'clean', '-fdq');
    const hook = join(root, '.git/hooks/post-checkout');
    writeFileSync(hook, '#!/bin/sh\n');
    chmodSync(hook, 0o755);
    expect(await switchCleanWorktree(worktree, 'next', second)).toBe(false);
    expect(await git(worktree, 'rev-parse', 'HEAD')).toBe(first);
  });

  it('MILESTONE_SLOT_SWITCH=checkout declines every switch (the pool then checks out)', async () => {
    const { worktree, first, second } = await repoWithWorktree();
    const saved = process.env.MILESTONE_SLOT_SWITCH;
    process.env.MILESTONE_SLOT_SWITCH = 'checkout';
    try {
      expect(await switchCleanWorktree(worktree, 'next', second)).toBe(false);
      expect(await git(worktree, 'rev-parse', 'HEAD')).toBe(first);
    } finally {
      if (saved === undefined) delete process.env.MILESTONE_SLOT_SWITCH;
      else process.env.MILESTONE_SLOT_SWITCH = saved;
    }
  });
});
