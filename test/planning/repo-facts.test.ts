import { describe, expect, it } from 'vitest';
import { gatherRepoFacts } from '../../src/planning/repo-facts.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';
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
});
