import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { KILL_COORDINATOR, milestoneRepo } from '../helpers/milestone-repo.js';

// A coordinator killed (`kill -9`) while it switched a slot leaves the slot's `HEAD.lock` or
// `index.lock` behind: milestone writes a slot's HEAD and index itself, as git does (lock file,
// then rename). Found by killing `execute` at random points of a run: from then on every
// `execute` failed the task with git's "Unable to create '…/index.lock': File exists", run after
// run, and the milestone never finished. Here the task itself leaves the two locks and kills
// its coordinator (the pid in its slot's lock), which is the state such a kill leaves.
describe('execute after a coordinator killed mid-switch', () => {
  it('clears the stale git locks of the slot it takes over and lands every task once', async () => {
    const repo = await milestoneRepo({ 'README.md': 'hi\n' });
    const marker = join(repo.root, '..', `${repo.root.split('/').pop()}-killed`);
    const killOnce = [
      `if [ ! -e '${marker}' ]; then`,
      `  touch '${marker}'`,
      '  g=$(git rev-parse --absolute-git-dir)',
      '  touch "$g/HEAD.lock" "$g/index.lock"',
      `  ${KILL_COORDINATOR}`,
      '  sleep 30',
      'fi',
      'echo a > a.txt',
    ].join('\n');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Stale locks',
      id: 'sl',
      defaults: { agent: 'shell' },
      tasks: [
        { id: 'a', title: 'Task A', files: ['a.txt'], run: killOnce },
        { id: 'b', title: 'Task B', needs: ['a'], files: ['b.txt'], run: 'echo b > b.txt' },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);

    const killed = await repo.run(['execute', 'sl']);
    expect(killed.code).not.toBe(0); // killed by its task: no exit code (-1)
    expect(existsSync(marker)).toBe(true);

    const resumed = await repo.run(['execute', 'sl']);
    expect(resumed.stderr).not.toMatch(/index\.lock|HEAD\.lock/);
    expect(resumed.code, resumed.stderr).toBe(0);

    const status = await repo.status('sl');
    expect(status.status).toBe('completed');
    const trailers = (await git(repo.root, 'log', '--first-parent', '--format=%B', 'milestone/sl'))
      .split('\n')
      .filter((line) => line.startsWith('Task-Id:'))
      .sort();
    expect(trailers).toEqual(['Task-Id: a', 'Task-Id: b']);
    expect(await git(repo.root, 'show', 'milestone/sl:a.txt')).toBe('a');
    expect(await git(repo.root, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
  });
});
