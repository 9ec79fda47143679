import { describe, expect, it } from 'vitest';
import { GitError } from '../../src/git/git-error.js';
import { gitExec } from '../../src/git/git-exec.js';
import { gitRepo } from '../helpers/git-repo.js';

describe('gitExec failures', () => {
  it('never quote a token from the arguments or from git stderr', async () => {
    const root = await gitRepo({ files: { 'a.txt': 'a\n' } });
    const token = 'ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc';
    const failure = await gitExec(root, ['rev-parse', '--verify', `${token}^{commit}`]).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(GitError);
    const error = failure as GitError;
    expect(error.message).toContain('git rev-parse --verify [redacted]');
    expect(error.message).not.toContain(token);
    expect(error.stderr).not.toContain(token);
  });
});
