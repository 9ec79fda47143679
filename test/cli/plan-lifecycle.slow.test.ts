import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { git, writeFiles } from '../helpers/git-repo.js';
import { exited, milestoneRepo, waitForOutput } from '../helpers/milestone-repo.js';

const FIRST = {
  version: 1,
  milestone: 'First plan',
  id: 'ship',
  tasks: [
    { id: 'a', title: 'Write a', run: 'echo first > a.txt' },
    { id: 'b', title: 'Write b', run: 'echo first > b.txt', needs: ['a'] },
  ],
};

describe('recovery matches this plan, not just task ids (item 5)', () => {
  it("a branch left by an earlier plan is not taken as the new plan's work; plan asks, adopt or new branch", async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(FIRST)).code).toBe(0);
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    // The local store is lost (a fresh clone, a deleted .milestones): the branch stays.
    rmSync(join(repo.root, '.milestones'), { recursive: true, force: true });
    const second = {
      version: 1,
      milestone: 'Second plan',
      id: 'ship',
      tasks: [{ id: 'a', title: 'Write c', run: 'echo second > c.txt' }],
    };
    const refused = await repo.plan(second);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('branch milestone/ship already exists');
    expect(refused.stderr).toContain('milestone plan --from plan.yaml --adopt-branch');
    expect(refused.stderr).toContain('milestone plan --from plan.yaml --new-branch');
    expect(existsSync(join(repo.root, '.milestones/ship'))).toBe(false);

    // A new branch: the old one is kept aside, task `a` of the new plan really runs.
    const fresh = await repo.run(['plan', '--from', 'plan.yaml', '--new-branch']);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('moved the earlier branch milestone/ship to milestone/ship.previous-1');
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    expect(await git(repo.root, 'show', 'milestone/ship:c.txt')).toBe('second');
    expect(await git(repo.root, 'show', 'milestone/ship.previous-1:a.txt')).toBe('first');
    expect((await repo.status('ship')).tasks[0]).toMatchObject({ id: 'a', status: 'succeeded', attempts: 1 });
    expect(
      await git(repo.root, 'log', '-1', '--format=%(trailers:key=Milestone-Run,valueonly)', 'milestone/ship'),
    ).toMatch(/^[0-9a-f]{12}$/);
  });

  it('with --adopt-branch the tasks found there count as landed and only the rest run', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(FIRST)).code).toBe(0);
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    rmSync(join(repo.root, '.milestones'), { recursive: true, force: true });
    const grown = {
      ...FIRST,
      tasks: [...FIRST.tasks, { id: 'c', title: 'Write c', run: 'echo more > c.txt' }],
    };
    writeFiles(repo.root, { 'plan.yaml': stringify(grown) });
    expect((await repo.run(['plan', '--from', 'plan.yaml', '--adopt-branch'])).code).toBe(0);
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    const tasks = Object.fromEntries((await repo.status('ship')).tasks.map((t) => [t.id, t]));
    expect(tasks.a).toMatchObject({ status: 'succeeded', attempts: 0 });
    expect(tasks.b).toMatchObject({ status: 'succeeded', attempts: 0 });
    expect(tasks.c).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('execute does not recover commits of another lineage that appear on the branch later', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(FIRST)).code).toBe(0);
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    await git(repo.root, 'branch', '-m', 'milestone/ship', 'keep');
    expect((await repo.run(['rm', 'ship'])).code).toBe(0);
    const other = { ...FIRST, tasks: [{ id: 'b', title: 'Other b', run: 'echo other > other.txt' }] };
    writeFiles(repo.root, { 'plan.yaml': stringify(other) });
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    // The earlier plan's branch comes back (a push from another clone): Task-Id b is on it.
    await git(repo.root, 'branch', '-m', 'keep', 'milestone/ship');
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    expect((await repo.status('ship')).tasks[0]).toMatchObject({ id: 'b', status: 'succeeded', attempts: 1 });
    expect(await git(repo.root, 'show', 'milestone/ship:other.txt')).toBe('other');
  });
});

describe('the plan lifecycle (item 7)', () => {
  it('plan --replace fixes a failed task: what landed stays, the rest runs under the new definition', async () => {
    const repo = await milestoneRepo();
    const typo = {
      ...FIRST,
      defaults: { retries: 0 },
      tasks: [FIRST.tasks[0]!, { ...FIRST.tasks[1]!, run: 'ech first > b.txt' }],
    };
    expect((await repo.plan(typo)).code).toBe(0);
    expect((await repo.run(['execute', 'ship'])).code).toBe(1);
    // The person fixes the file: commands say it changed and how to take it.
    writeFiles(repo.root, { 'plan.yaml': stringify({ ...typo, tasks: FIRST.tasks }) });
    const shown = await repo.run(['show', 'ship']);
    expect(shown.stderr).toContain(
      'warning: plan.yaml changed since ship was planned; the stored plan is used. To use the new version: milestone plan --from plan.yaml --replace ship',
    );
    const again = await repo.run(['plan', '--from', 'plan.yaml']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('milestone plan --from plan.yaml --replace ship');
    const replaced = await repo.run(['plan', '--from', 'plan.yaml', '--replace', 'ship']);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('replaced the plan of ship (was failed)');
    expect((await repo.run(['show', 'ship'])).stderr).not.toContain('changed since');
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    const tasks = Object.fromEntries((await repo.status('ship')).tasks.map((t) => [t.id, t]));
    expect(tasks.a).toMatchObject({ status: 'succeeded', attempts: 0 });
    expect(tasks.b).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await git(repo.root, 'show', 'milestone/ship:b.txt')).toBe('first');
    // Task a landed once: one task commit for it on the branch.
    const aCommits = (
      await git(repo.root, 'log', '--format=%(trailers:key=Task-Id,valueonly)', 'main..milestone/ship')
    )
      .split('\n')
      .filter((line) => line.trim() === 'a');
    expect(aCommits.length).toBeLessThanOrEqual(2); // the task commit and its merge commit
  });

  it('a cancelled milestone can be replaced and run again; a completed one cannot be replaced', async () => {
    const repo = await milestoneRepo();
    expect((await repo.plan(FIRST)).code).toBe(0);
    expect((await repo.run(['cancel', 'ship'])).code).toBe(0);
    expect((await repo.run(['plan', '--from', 'plan.yaml', '--replace'])).code).toBe(0);
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    const done = await repo.run(['plan', '--from', 'plan.yaml', '--replace']);
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('is completed; its plan can no longer be replaced');
  });

  it('rm deletes the record, refuses a running milestone, and with --branches deletes its branches', async () => {
    const repo = await milestoneRepo();
    const slow = { ...FIRST, tasks: [{ id: 'a', title: 'Slow', run: 'sleep 30' }] };
    expect((await repo.plan(slow)).code).toBe(0);
    const child = repo.spawn(['execute', 'ship']);
    const done = exited(child);
    await waitForOutput(child, 'a started');
    const refused = await repo.run(['rm', 'ship']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('milestone cancel ship');
    child.kill('SIGINT');
    expect(await done).toBe(130);

    const listed = await repo.run(['list']);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+STATE\s+PROGRESS\s+TASKS\s+TITLE$/);
    expect(listed.stdout).toMatch(/ship\s+paused\s+0%\s+0\/1 landed\s+First plan/);

    const removed = await repo.run(['rm', 'ship', '--branches']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('deleted branch milestone/ship');
    expect(await git(repo.root, 'branch', '--list', 'milestone/*')).toBe('');
    expect(existsSync(join(repo.root, '.milestones/ship'))).toBe(false);
    expect(repo.leftoverWorktrees()).toEqual([]);
    expect((await repo.run(['list'])).stdout).toContain('no milestones yet');
    // The id is free again, with no branch to ask about.
    expect((await repo.run(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    expect(readFileSync(join(repo.root, '.milestones/ship/plan.json'), 'utf8')).toContain('"Slow"');
  });
});
