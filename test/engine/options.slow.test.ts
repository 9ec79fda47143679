import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

const twoPhases = {
  version: 1,
  milestone: 'Options',
  id: 'options',
  tasks: [
    { id: 'doc', title: 'Doc', phase: 'design', run: 'echo doc > doc.md' },
    { id: 'one', title: 'One', run: 'echo 1 > one.txt' },
    { id: 'two', title: 'Two', run: 'echo 2 > two.txt' },
  ],
};

describe('execute options', () => {
  it('commit strategy phase squashes each phase into its phase commit, keeping every Task-Id', async () => {
    const repo = await milestoneRepo({ '.milestones/config.yaml': 'commit: { strategy: phase }\n' });
    await repo.plan(twoPhases);
    const run = await repo.run(['execute', 'options', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    const subjects = (await git(repo.root, 'log', '--format=%s', 'main..milestone/options')).split('\n');
    expect(subjects).toEqual([
      'feat(execute): implement Options functionality',
      'feat(design): complete design phase for Options',
    ]);
    const trailers = (
      await git(
        repo.root,
        'log',
        '--format=%(trailers:key=Task-Id,valueonly,separator=%x2C)',
        'milestone/options',
      )
    )
      .split(/[\n,]/)
      .filter(Boolean);
    expect(trailers.sort()).toEqual(['doc', 'one', 'two']);
    expect(await git(repo.root, 'ls-tree', '--name-only', 'milestone/options')).toContain('two.txt');
    // Idempotent after the squash: running again re-runs nothing.
    const again = await repo.run(['execute', 'options']);
    expect(again.code, again.stderr).toBe(0);
    expect((await git(repo.root, 'log', '--format=%s', 'main..milestone/options')).split('\n')).toHaveLength(
      2,
    );
  });

  it('runs the worktree setup command once per worktree and copies configured files into each', async () => {
    const repo = await milestoneRepo({
      '.milestones/config.yaml': 'worktrees: { setup: "echo ready > .setup-done", copy: [".env"] }\n',
      '.gitignore': '.env\n.setup-done\n',
    });
    await repo.plan({
      version: 1,
      milestone: 'Setup',
      id: 'setup',
      tasks: [{ id: 'check', title: 'Check', run: 'test -f .setup-done && cat .env > seen.txt' }],
    });
    writeFileSync(join(repo.root, '.env'), 'SECRET=1\n');
    const run = await repo.run(['execute', 'setup']);
    expect(run.code, run.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'milestone/setup:seen.txt')).toBe('SECRET=1');
  });

  it('--json prints one JSON event per line; --phase runs one phase, and a later phase first is refused', async () => {
    const repo = await milestoneRepo();
    await repo.plan(twoPhases);
    const refused = await repo.run(['execute', 'options', '--phase', 'execute']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('phase execute cannot start');

    const design = await repo.run(['execute', 'options', '--phase', 'design', '--json']);
    expect(design.code, design.stderr).toBe(0);
    const events = design.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['task_status', 'task_merged', 'phase_committed']),
    );
    expect(events.every((e) => typeof e.at === 'string')).toBe(true);
    const status = await repo.status('options');
    expect(status.status).toBe('paused');
    expect(status.tasks.map((t) => t.status)).toEqual(['succeeded', 'pending', 'pending']);

    expect((await repo.run(['execute', 'options', '--phase', 'execute'])).code).toBe(0);
    expect((await repo.status('options')).status).toBe('completed');
  });
});
