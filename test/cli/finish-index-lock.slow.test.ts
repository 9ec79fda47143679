import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, runFile } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

// A git killed in the person's working tree (kill -9 during an earlier finish, an editor's git
// integration) leaves `.git/index.lock`. `finish` merging through that tree then wrote MERGE_HEAD,
// failed to write the index and failed to abort: a merge half begun, reported as "nothing was
// changed", and the next finish refused with "You have not concluded your merge".

describe('finish with a stale index.lock in the working tree of the base branch', () => {
  it('refuses before merging (exit 2, no MERGE_HEAD), and the rm it prints lets it finish', async () => {
    const repo = await milestoneRepo();
    const plan = {
      version: 1,
      milestone: 'Locked',
      id: 'locked',
      tasks: [{ id: 'one', title: 'One', run: 'echo one > one.txt', files: ['one.txt'] }],
    };
    expect((await repo.plan(plan)).code).toBe(0);
    expect((await repo.run(['execute', 'locked'])).code).toBe(0);
    const lock = join(repo.root, '.git', 'index.lock');
    writeFileSync(lock, '');
    const main = await git(repo.root, 'rev-parse', 'main');

    const refused = await repo.run(['finish', 'locked']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${lock} exists`);
    expect(refused.stderr).toContain('Nothing was changed.');
    expect(existsSync(join(repo.root, '.git', 'MERGE_HEAD'))).toBe(false);
    expect(await git(repo.root, 'rev-parse', 'main')).toBe(main);

    const rm = /\(`(rm [^`]+)`\)/.exec(refused.stderr)?.[1];
    expect(rm, refused.stderr).toBeDefined();
    expect((await runFile('sh', ['-c', rm!], repo.root)).code).toBe(0);
    const finished = await repo.run(['finish', 'locked']);
    expect(finished.code, finished.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'main:one.txt')).toBe('one');
    expect(await git(repo.root, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  });
});
