import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitExec } from '../../src/git/git-exec.js';
import { branchExistsInFiles, branchTipFromFiles, headBranchFromFiles } from '../../src/git/ref-files.js';
import { revParse } from '../../src/git/refs.js';
import { currentBranch } from '../../src/git/repo.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';

/** What git answers and what the files answer, for HEAD and each branch. */
async function expectGitsAnswers(root: string, branches: string[]): Promise<void> {
  expect(headBranchFromFiles(root, {})).toBe(await currentBranch(root));
  for (const branch of branches) {
    // git itself, not `revParse` (which reads these files where it can).
    const answer = await gitExec(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
      allowExitCodes: [1],
    });
    const tip = answer.exitCode === 0 ? answer.stdout.trim() : null;
    expect(branchTipFromFiles(root, branch, {}), branch).toBe(tip);
    expect(branchExistsInFiles(root, branch, {}), branch).toBe(tip !== null);
    expect(await revParse(root, `refs/heads/${branch}`), branch).toBe(tip);
  }
}

const BRANCHES = ['main', 'milestone/m1', 'milestone', 'milestone/m2', 'other'];

describe('HEAD and branches read from .git, as git answers them', () => {
  it('loose refs, packed refs, a branch under a folder of branches, a detached and an unborn HEAD', async () => {
    const root = await gitRepo();
    await git(root, 'branch', 'milestone/m1');
    await expectGitsAnswers(root, BRANCHES);
    await git(root, 'pack-refs', '--all');
    await git(root, 'branch', 'other');
    await expectGitsAnswers(root, BRANCHES);
    await git(root, 'checkout', '-q', '--detach');
    expect(headBranchFromFiles(root, {})).toBeNull();
    await expectGitsAnswers(root, BRANCHES);
    await git(root, 'checkout', '-q', '--orphan', 'fresh');
    expect(headBranchFromFiles(root, {})).toBe('fresh');
    await expectGitsAnswers(root, [...BRANCHES, 'fresh']);
  });

  it('leaves linked worktrees, symbolic refs, unusual names, other ref storage and GIT_DIR to git', async () => {
    const root = await gitRepo();
    const linked = join(tempDir(), 'linked');
    await git(root, 'worktree', 'add', '-q', linked);
    expect(headBranchFromFiles(linked, {})).toBeUndefined();
    expect(branchExistsInFiles(linked, 'main', {})).toBeUndefined();
    await git(root, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/main');
    expect(branchExistsInFiles(root, 'alias', {})).toBeUndefined();
    // Where the files cannot answer, `revParse` asks git.
    expect(await revParse(root, 'refs/heads/alias')).toBe(await revParse(root, 'refs/heads/main'));
    expect(await revParse(linked, 'refs/heads/main')).toBe(await revParse(root, 'refs/heads/main'));
    for (const name of ['a..b', '/main', 'a b', 'a~1', 'x:y', '']) {
      expect(branchExistsInFiles(root, name, {}), name).toBeUndefined();
    }
    expect(headBranchFromFiles(root, { GIT_DIR: join(root, '.git') })).toBeUndefined();
    mkdirSync(join(root, '.git', 'reftable'));
    expect(headBranchFromFiles(root, {})).toBeUndefined();
  });

  it('leaves a HEAD of another shape to git', async () => {
    const root = await gitRepo();
    writeFileSync(join(root, '.git', 'HEAD'), 'something else\n');
    expect(headBranchFromFiles(root, {})).toBeUndefined();
  });
});
