import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  branchExists,
  createBranch,
  currentBranch,
  deleteBranch,
  GitError,
  gitExec,
  lsFiles,
  repoRoot,
  revParse,
  updateRefCas,
} from '../../src/git/git.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';

describe('repository queries', () => {
  it('finds the root and the current branch', async () => {
    const repo = await gitRepo({ files: { 'src/a.ts': 'a' } });
    expect(await repoRoot(join(repo, 'src'))).toBe(repo);
    expect(await currentBranch(repo)).toBe('main');
    await git(repo, 'checkout', '-q', '--detach');
    expect(await currentBranch(repo)).toBeNull();
  });

  it('lists tracked files, with odd names intact', async () => {
    const repo = await gitRepo({ files: { 'a b.txt': '1', 'dir/ü.txt': '2', 'q"uote.txt': '3' } });
    writeFiles(repo, { 'untracked.txt': 'x' });
    expect((await lsFiles(repo)).sort()).toEqual(['README.md', 'a b.txt', 'dir/ü.txt', 'q"uote.txt']);
    expect(await lsFiles(repo, { others: true })).toContain('untracked.txt');
  });

  it('throws a GitError with the command and stderr', async () => {
    const repo = await gitRepo();
    const error = await gitExec(repo, ['rev-parse', '--verify', 'nope']).catch((e) => e);
    expect(error).toBeInstanceOf(GitError);
    expect(error).toMatchObject({ code: 'MILESTONE_GIT', exitCode: 128 });
    expect(error.message).toContain('git rev-parse --verify nope');
    expect(error.stderr).toContain('Needed a single revision');
    const aborted = AbortSignal.abort();
    const abortError = await gitExec(repo, ['status'], { signal: aborted }).catch((e) => e);
    expect(abortError).toBeInstanceOf(GitError);
    expect(abortError.cause).toMatchObject({ name: 'AbortError' });
    expect(await gitExec(repo, ['rev-parse', '--verify', 'nope'], { allowExitCodes: [128] })).toMatchObject({
      exitCode: 128,
    });
  });
});

describe('branches and refs', () => {
  it('resolves refs, and returns null for unknown ones', async () => {
    const repo = await gitRepo();
    expect(await revParse(repo, 'main')).toBe(await git(repo, 'rev-parse', 'HEAD'));
    expect(await revParse(repo, 'no-such-branch')).toBeNull();
  });

  it('creates and deletes branches without checking them out', async () => {
    const repo = await gitRepo();
    await createBranch(repo, 'milestone/x', 'main');
    expect(await branchExists(repo, 'milestone/x')).toBe(true);
    expect(await currentBranch(repo)).toBe('main');
    await expect(createBranch(repo, 'milestone/x', 'main')).rejects.toBeInstanceOf(GitError);
    expect(await deleteBranch(repo, 'milestone/x', { force: true })).toBe(true);
    expect(await branchExists(repo, 'milestone/x')).toBe(false);
    expect(await deleteBranch(repo, 'milestone/x')).toBe(false);
  });

  it('moves a branch only from the expected old value (compare-and-swap)', async () => {
    const repo = await gitRepo();
    const base = await git(repo, 'rev-parse', 'HEAD');
    await git(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
    const second = await git(repo, 'rev-parse', 'HEAD');
    await createBranch(repo, 'target', base);

    expect(await updateRefCas(repo, 'target', second, second)).toBe(false);
    expect(await git(repo, 'rev-parse', 'target')).toBe(base);
    expect(await updateRefCas(repo, 'target', second, base)).toBe(true);
    expect(await git(repo, 'rev-parse', 'target')).toBe(second);
    // Stale: another writer already moved it away from `base`.
    expect(await updateRefCas(repo, 'target', base, base)).toBe(false);
    expect(await git(repo, 'rev-parse', 'target')).toBe(second);
  });

  it('creates a branch by CAS only when it does not exist yet', async () => {
    const repo = await gitRepo();
    const head = await git(repo, 'rev-parse', 'HEAD');
    expect(await updateRefCas(repo, 'fresh', head, null)).toBe(true);
    expect(await updateRefCas(repo, 'fresh', head, null)).toBe(false);
  });

  it('throws rather than answering false for a bad old value', async () => {
    const repo = await gitRepo();
    const head = await git(repo, 'rev-parse', 'HEAD');
    await expect(updateRefCas(repo, 'main', head, 'no-such-thing')).rejects.toBeInstanceOf(GitError);
  });
});
