import { describe, expect, it } from 'vitest';
import { gatherRepoFacts, trackedFromIndex } from '../../src/planning/repo-facts.js';
import { git, gitRepo, runFile, tempDir, writeFiles } from '../helpers/git-repo.js';
import { commit } from './plan-builder.js';

describe('gatherRepoFacts', () => {
  it('lists tracked files and counts the recent commits touching each', async () => {
    const repo = await gitRepo({ files: { 'src/a.ts': '1', 'docs/read me é.md': 'x' } });
    await commit(repo, { 'src/a.ts': '2' });
    await commit(repo, { 'src/a.ts': '3', 'src/b.ts': 'new' });
    await commit(repo, { 'src/a.ts': '4' });

    const facts = await gatherRepoFacts(repo);
    expect(facts.files.sort()).toEqual(['README.md', 'docs/read me é.md', 'src/a.ts', 'src/b.ts']);
    expect(Object.fromEntries(facts.churn)).toEqual({
      'README.md': 1,
      'docs/read me é.md': 1,
      'src/a.ts': 4,
      'src/b.ts': 1,
    });

    const recent = await gatherRepoFacts(repo, { churnCommits: 2 });
    expect(Object.fromEntries(recent.churn)).toEqual({ 'src/a.ts': 2, 'src/b.ts': 1 });
  });

  it('gives no churn for a repository without commits', async () => {
    const repo = tempDir();
    await git(repo, 'init', '-q', '-b', 'main');
    const facts = await gatherRepoFacts(repo);
    expect(facts).toEqual({ files: [], churn: new Map() });
  });

  it('reads the tracked files from the index as git ls-files lists them (index versions 2, 3 and 4), else leaves it to git', async () => {
    const repo = await gitRepo({
      files: {
        'src/a.ts': '1',
        'docs/read me é.md': 'x',
        'src/deep/very/long/name/of/a/file.ts': 'y',
        'z.txt': '',
      },
    });
    const lsFiles = async () =>
      (await runFile('git', ['ls-files', '-z', '--cached'], repo)).stdout
        .split('\0')
        .filter((path) => path !== '');
    // Staged but not committed: the index, not HEAD.
    writeFiles(repo, { 'src/new.ts': 'new' });
    await git(repo, 'add', 'src/new.ts');
    await git(repo, 'rm', '-q', '--cached', 'z.txt');
    expect(trackedFromIndex(repo)).toEqual(await lsFiles());
    expect(trackedFromIndex(repo)).toContain('docs/read me é.md');
    expect(trackedFromIndex(repo)).not.toContain('z.txt');
    // Version 3 (an entry flagged skip-worktree) and version 4 (paths prefix-compressed).
    await git(repo, 'update-index', '--skip-worktree', 'src/a.ts');
    expect(trackedFromIndex(repo)).toEqual(await lsFiles());
    await git(repo, 'update-index', '--index-version', '4');
    expect(trackedFromIndex(repo)).toEqual(await lsFiles());
    expect((await gatherRepoFacts(repo)).files).toEqual(await lsFiles());

    // Git answers where the index file is not the whole answer.
    expect(trackedFromIndex(repo, { ...process.env, GIT_INDEX_FILE: 'other' })).toBeUndefined();
    await git(repo, 'update-index', '--split-index');
    expect(trackedFromIndex(repo)).toBeUndefined();
    expect((await gatherRepoFacts(repo)).files).toEqual(await lsFiles());
  });

  it('leaves a conflict to git, which lists each stage of the path', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'base\n' } });
    await git(repo, 'checkout', '-q', '-b', 'other');
    await commit(repo, { 'a.txt': 'other\n' });
    await git(repo, 'checkout', '-q', 'main');
    await commit(repo, { 'a.txt': 'main\n' });
    await runFile('git', ['merge', '-q', 'other'], repo);
    expect(trackedFromIndex(repo)).toBeUndefined();
    expect((await gatherRepoFacts(repo)).files).toEqual(['README.md', 'a.txt', 'a.txt', 'a.txt']);
  });
});
