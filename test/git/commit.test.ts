import { describe, expect, it, vi } from 'vitest';
import { commitTree, FALLBACK_IDENTITY } from '../../src/git/git.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';

describe('commits', () => {
  it('writes a commit of a tree with the given parents', async () => {
    const repo = await gitRepo();
    const head = await git(repo, 'rev-parse', 'HEAD');
    const tree = await git(repo, 'rev-parse', 'HEAD^{tree}');
    const sha = await commitTree(repo, tree, [head], 'on top');
    expect(await git(repo, 'rev-parse', `${sha}^`)).toBe(head);
    expect(await git(repo, 'log', '-1', '--format=%s', sha)).toBe('on top');
    expect(await git(repo, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('commits on a machine without a git identity', async () => {
    const home = tempDir('milestone-home-');
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_CONFIG_HOME', home);
    vi.stubEnv('GIT_CONFIG_NOSYSTEM', '1');
    vi.stubEnv('GIT_CONFIG_GLOBAL', undefined);
    for (const key of [
      'GIT_AUTHOR_NAME',
      'GIT_AUTHOR_EMAIL',
      'GIT_COMMITTER_NAME',
      'GIT_COMMITTER_EMAIL',
      'EMAIL',
    ]) {
      vi.stubEnv(key, undefined);
    }
    vi.stubEnv('GIT_CONFIG_COUNT', undefined);
    try {
      const repo = await gitRepo();
      await git(repo, 'config', '--unset', 'user.name');
      await git(repo, 'config', '--unset', 'user.email');
      // Without it git may invent user@hostname instead of failing, and the test would prove nothing.
      await git(repo, 'config', 'user.useConfigOnly', 'true');
      const head = await git(repo, 'rev-parse', 'HEAD');
      const sha = await commitTree(repo, await git(repo, 'rev-parse', 'HEAD^{tree}'), [head], 'no identity');
      const author = await git(repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', sha);
      expect(author).toBe(
        `${FALLBACK_IDENTITY.name} <${FALLBACK_IDENTITY.email}>|${FALLBACK_IDENTITY.name} <${FALLBACK_IDENTITY.email}>`,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
