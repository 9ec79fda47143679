import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  branchExists,
  branchNameProblem,
  createBranch,
  deleteBranch,
  mergeInto,
  milestoneBranch,
  taskBranch,
  updateRefCas,
} from '../../src/git/git.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';

describe('branch names', () => {
  it.each([
    'a..b',
    'has space',
    'tilde~1',
    'caret^',
    'colon:x',
    'q?',
    'star*',
    'br[ack',
    'back\\slash',
    '-dash',
    'x/',
    '/x',
    'a//b',
    'end.',
    '.hidden',
    'a/.b',
    'x.lock',
    'a@{b',
    '@',
    'HEAD',
    '',
    'tab\there',
    'nl\nx',
  ])('refuses %j', (name) => {
    expect(branchNameProblem(name)).not.toBeNull();
  });

  it.each(['main', 'milestone/add-login', 'feature/x_y', 'v1.2', 'milestone/a.tasks/b', 'a@b'])(
    'accepts %j',
    (name) => {
      expect(branchNameProblem(name)).toBeNull();
    },
  );

  it('agrees with git check-ref-format --branch', async () => {
    const repo = await gitRepo();
    for (const name of [
      'a..b',
      'has space',
      'x.lock',
      'milestone/a.tasks/b',
      'feature/x_y',
      '.hidden',
      'a@{b',
    ]) {
      const gitOk = await git(repo, 'check-ref-format', '--branch', name).then(
        () => true,
        () => false,
      );
      expect([name, branchNameProblem(name) === null]).toEqual([name, gitOk]);
    }
  });

  it('refuses bad names before git runs', async () => {
    // A directory that is not a repository: had git run, the error would be a GitError.
    const notARepo = join(tempDir(), 'missing');
    for (const name of ['a..b', 'has space', 'x~1']) {
      await expect(createBranch(notARepo, name, 'main')).rejects.toBeInstanceOf(UsageError);
      await expect(branchExists(notARepo, name)).rejects.toBeInstanceOf(UsageError);
      await expect(deleteBranch(notARepo, name, { force: true })).rejects.toBeInstanceOf(UsageError);
      await expect(updateRefCas(notARepo, name, 'a'.repeat(40), null)).rejects.toBeInstanceOf(UsageError);
      await expect(mergeInto(notARepo, { target: name, source: 'main', message: 'm' })).rejects.toMatchObject(
        {
          code: 'MILESTONE_BAD_BRANCH',
        },
      );
    }
    await expect(createBranch(notARepo, 'ok', '--output=/tmp/x')).rejects.toMatchObject({
      code: 'MILESTONE_BAD_REVISION',
    });
  });

  it('names task branches so they can coexist with the milestone branch', async () => {
    const repo = await gitRepo();
    expect(milestoneBranch('add-login')).toBe('milestone/add-login');
    expect(taskBranch('add-login', 'api')).toBe('milestone/add-login.tasks/api');
    await createBranch(repo, milestoneBranch('add-login'), 'main');
    await createBranch(repo, taskBranch('add-login', 'api'), 'main');
    expect(await branchExists(repo, taskBranch('add-login', 'api'))).toBe(true);
    expect(() => taskBranch('add-login', '../x')).toThrow(UsageError);
    expect(() => milestoneBranch('Bad Id')).toThrow(UsageError);
  });
});
