import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRepositoryWriters } from '../../src/git/repository-writers.js';
import { switchCleanWorktree, switchCounts } from '../../src/git/worktree-switch.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';
import { propertySettings } from '../helpers/property.js';
import { applyRandomEdit, type RandomEdit, randomEditArb, snapshot } from './fixtures/random-edits.js';

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

describe('the in-process switch against git checkout (property)', () => {
  it('leaves files, modes, symlinks, index and stat data as checkout --force -B does, on random pairs of commits', async () => {
    const editArb = randomEditArb({
      names: ['a', 'b', 'c.txt', 'x'],
      kinds: ['write', 'remove', 'link', 'chmod'],
      texts: ['1\n', '22\n', 'same\n'],
      targets: ['a', '../x', 'c.txt'],
    });
    const apply = (dir: string, edits: RandomEdit[]) => {
      for (const edit of edits) applyRandomEdit(dir, edit);
    };
    const inProcessBefore = switchCounts.inProcess;
    await fc.assert(
      fc.asyncProperty(
        fc.array(editArb, { minLength: 1, maxLength: 6 }),
        fc.array(editArb, { minLength: 1, maxLength: 6 }),
        async (first, second) => {
          const root = await gitRepo({ files: { 'a/c.txt': 'c\n', 'x/a/b': 'deep\n', 'c.txt': 'top\n' } });
          apply(root, first);
          await git(root, 'add', '-A');
          await git(root, 'commit', '-q', '--allow-empty', '-m', 'from');
          const from = await git(root, 'rev-parse', 'HEAD');
          apply(root, second);
          await git(root, 'add', '-A');
          await git(root, 'commit', '-q', '--allow-empty', '-m', 'to');
          const to = await git(root, 'rev-parse', 'HEAD');
          const ours = `${root}-ours`;
          const theirs = `${root}-git`;
          await git(root, 'worktree', 'add', '-q', '-b', 'ours', ours, from);
          await git(root, 'worktree', 'add', '-q', '-b', 'theirs', theirs, from);
          await git(theirs, 'checkout', '-q', '--force', '-B', 'theirs-next', to);
          const before = { ...switchCounts };
          expect(await switchCleanWorktree(ours, 'ours-next', to)).toBe(true);
          // File/folder flips are read-tree's; everything else is switched in process.
          expect(switchCounts.inProcess + switchCounts.readTree).toBe(before.inProcess + before.readTree + 1);
          expect(snapshot(ours)).toEqual(snapshot(theirs));
          expect(await git(ours, 'ls-files', '-s')).toBe(await git(theirs, 'ls-files', '-s'));
          expect(await git(ours, 'diff-files', '--name-status')).toBe('');
          expect(await git(ours, 'status', '--porcelain', '--untracked-files=all')).toBe('');
          expect(await git(ours, 'rev-parse', 'HEAD')).toBe(to);
          expect(await git(ours, 'write-tree')).toBe(await git(root, 'rev-parse', `${to}^{tree}`));
        },
      ),
      {
        ...propertySettings(12),
        // First, whatever the time budget leaves of the random cases: a pair without a
        // file/folder flip, which the in-process way switches.
        examples: [
          [[{ kind: 'write', path: 'c.txt', text: '1\n' }], [{ kind: 'write', path: 'c.txt', text: '22\n' }]],
        ],
      },
    );
    // Not only read-tree's: pairs without a file/folder flip go the in-process way (a loaded
    // machine runs fewer cases within the time budget, so no more is asked than some; the
    // example above is one however few run).
    expect(switchCounts.inProcess - inProcessBefore).toBeGreaterThan(0);
  });

  it('declines, changing nothing, a file changed since the index was written', async () => {
    const { worktree, first, second } = await repoWithWorktree();
    writeFileSync(join(worktree, 'src/a.ts'), 'x\n'); // same size as "a\n", the file the switch rewrites
    const before = switchCounts.inProcess;
    // read-tree refuses too (the stat data changed): the pool then checks out.
    expect(await switchCleanWorktree(worktree, 'next', second)).toBe(false);
    expect(switchCounts.inProcess).toBe(before);
    expect(await git(worktree, 'rev-parse', 'HEAD')).toBe(first);
    expect(readFileSync(join(worktree, 'src/a.ts'), 'utf8')).toBe('x\n');
  });
});
