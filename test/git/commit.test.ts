import { describe, expect, it, vi } from 'vitest';
import { commitAll, commitTree, FALLBACK_IDENTITY, trailerValues } from '../../src/git/git.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

describe('commits', () => {
  it('commits everything with trailers that git log and trailerValues read', async () => {
    const repo = gitRepo();
    const base = git(repo, 'rev-parse', 'HEAD');
    writeFiles(repo, { 'a.txt': 'a', 'dir/b.txt': 'b' });
    const sha = await commitAll(repo, 'feat: add a and b', { 'Milestone-Id': 'add-login', 'Task-Id': 'api' });
    expect(sha).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(git(repo, 'log', '-1', '--format=%(trailers:key=Task-Id,valueonly)')).toBe('api');
    expect(git(repo, 'log', '-1', '--format=%B')).toBe(
      'feat: add a and b\n\nMilestone-Id: add-login\nTask-Id: api',
    );
    expect(git(repo, 'status', '--porcelain')).toBe('');

    writeFiles(repo, { 'c.txt': 'c' });
    await commitAll(repo, 'feat: c\n\nBody text.', { 'Milestone-Id': 'add-login', 'Task-Id': 'ui' });
    expect(await trailerValues(repo, 'HEAD', 'Task-Id', { since: base })).toEqual(['ui', 'api']);
    expect(await trailerValues(repo, 'HEAD', 'Task-Id', { since: sha! })).toEqual(['ui']);
    expect(await trailerValues(repo, 'HEAD', 'Milestone-Id')).toEqual(['add-login', 'add-login']);
    expect(await trailerValues(repo, base, 'Task-Id')).toEqual([]);
  });

  it('returns null when there is nothing to commit', async () => {
    const repo = gitRepo();
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(await commitAll(repo, 'nothing', { 'Task-Id': 'x' })).toBeNull();
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('refuses trailer values that would break the message', async () => {
    const repo = gitRepo();
    writeFiles(repo, { 'a.txt': 'a' });
    await expect(commitAll(repo, 'm', { 'Task-Id': 'a\nEvil: b' })).rejects.toMatchObject({
      code: 'MILESTONE_INTERNAL',
    });
    await expect(commitAll(repo, 'm', { 'Bad Key': 'v' })).rejects.toMatchObject({
      code: 'MILESTONE_INTERNAL',
    });
  });

  it('writes a commit of a tree with the given parents', async () => {
    const repo = gitRepo();
    const head = git(repo, 'rev-parse', 'HEAD');
    const tree = git(repo, 'rev-parse', 'HEAD^{tree}');
    const sha = await commitTree(repo, tree, [head], 'on top');
    expect(git(repo, 'rev-parse', `${sha}^`)).toBe(head);
    expect(git(repo, 'log', '-1', '--format=%s', sha)).toBe('on top');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
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
      const repo = gitRepo();
      git(repo, 'config', '--unset', 'user.name');
      git(repo, 'config', '--unset', 'user.email');
      // Without it git may invent user@hostname instead of failing, and the test would prove nothing.
      git(repo, 'config', 'user.useConfigOnly', 'true');
      writeFiles(repo, { 'a.txt': 'a' });
      const sha = await commitAll(repo, 'no identity', { 'Task-Id': 'x' });
      expect(sha).not.toBeNull();
      const author = git(repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>');
      expect(author).toBe(
        `${FALLBACK_IDENTITY.name} <${FALLBACK_IDENTITY.email}>|${FALLBACK_IDENTITY.name} <${FALLBACK_IDENTITY.email}>`,
      );
      const tree = git(repo, 'rev-parse', 'HEAD^{tree}');
      expect(await commitTree(repo, tree, [sha!], 'tree commit')).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
