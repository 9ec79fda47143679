import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { git } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

// Direct mode (one task at a time, the default for a plan that is mostly one chain) works in a
// detached slot. A task that fails for good there keeps its work like in parallel mode: on its
// branch, and with `--keep-failed` in its worktree (was: neither, and the slot's next task wiped it).

function plan(verify: string) {
  return {
    version: 1,
    milestone: 'Direct keep',
    id: 'dk',
    defaults: { agent: 'shell', retries: 0 },
    tasks: [
      { id: 'first', title: 'First', run: 'echo one > one.txt', files: ['one.txt'] },
      {
        id: 'half',
        title: 'Half done',
        needs: ['first'],
        run: 'echo partial > partial.txt',
        files: ['partial.txt'],
        verify,
      },
    ],
  };
}

describe('a task that fails for good in direct mode', () => {
  it('keeps its work on its branch and, with --keep-failed, its worktree; fixed, it lands and both go', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(plan('exit 1'))).code).toBe(0);
    const failed = await repo.run(['execute', 'dk', '--mode', 'direct', '--keep-failed']);
    expect(failed.code, failed.stderr).toBe(1);
    const status = await repo.status('dk');
    expect(status.mode).toBe('direct');
    const reason = status.tasks.find((t) => t.id === 'half')!.reason!;
    expect(reason).toContain('work kept on milestone/dk.tasks/half in ');
    expect(await git(repo.root, 'show', 'milestone/dk.tasks/half:partial.txt')).toBe('partial');
    expect(await git(repo.root, 'log', '-1', '--format=%s', 'milestone/dk.tasks/half')).toBe(
      'wip(execute): Half done (failed)',
    );
    const kept = /in (\S+)$/.exec(reason)![1]!;
    expect(existsSync(join(kept, 'partial.txt'))).toBe(true);
    expect(await git(repo.root, 'ls-tree', '--name-only', 'milestone/dk')).not.toContain('partial.txt');

    // The cause fixed, the plan replaced and run again: the task lands once, the kept branch and
    // worktree are gone.
    writeFileSync(join(repo.root, 'plan.yaml'), stringify(plan('test -f partial.txt')));
    expect((await repo.run(['plan', '--from', 'plan.yaml', '--replace', 'dk'])).code).toBe(0);
    const again = await repo.run(['execute', 'dk', '--mode', 'direct']);
    expect(again.code, again.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'milestone/dk:partial.txt')).toBe('partial');
    const landed = await git(repo.root, 'log', '--format=%(trailers:key=Task-Id,valueonly)', 'milestone/dk');
    expect(landed.split('\n').filter((l) => l.trim() === 'half')).toHaveLength(1);
    expect(await git(repo.root, 'branch', '--list', 'milestone/dk.tasks/*')).toBe('');
    expect(existsSync(kept)).toBe(false);
  });

  it('without --keep-failed keeps its branch only', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(plan('exit 1'))).code).toBe(0);
    expect((await repo.run(['execute', 'dk', '--mode', 'direct'])).code).toBe(1);
    const reason = (await repo.status('dk')).tasks.find((t) => t.id === 'half')!.reason!;
    expect(reason).toMatch(/work kept on milestone\/dk\.tasks\/half$/);
    expect(await git(repo.root, 'show', 'milestone/dk.tasks/half:partial.txt')).toBe('partial');
    expect(repo.leftoverWorktrees()).toEqual([]);
  });
});
