import { describe, expect, it } from 'vitest';
import { strayChanges } from '../../src/engine/stray-refs.js';
import { fakeEnv, useFakeAgentsOnPath } from '../agents/fake-agents.js';
import { git } from '../helpers/git-repo.js';
import type { MilestoneRepo } from '../helpers/milestone-repo.js';
import { milestoneRepo } from '../helpers/milestone-repo.js';

useFakeAgentsOnPath();

async function withEnv<T>(
  repo: MilestoneRepo,
  env: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = { ...repo.env };
  Object.assign(repo.env, env);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(repo.env)) delete repo.env[key];
    Object.assign(repo.env, saved);
  }
}

describe('an agent that leaves its worktree', () => {
  it('fails the attempt and reports the branch and worktree it made (what EnterWorktree did)', async () => {
    const repo = await milestoneRepo();
    const planned = await repo.plan({
      version: 1,
      milestone: 'Stray',
      id: 'stray',
      defaults: { retries: 1 },
      tasks: [{ id: 'greet', title: 'Write hello.txt', prompt: 'Create hello.txt.', agent: 'claude' }],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const run = await withEnv(repo, { ...fakeEnv('success'), FAKE_AGENT_GIT: 'enter-worktree' }, () =>
      repo.run(['execute', 'stray', '--mode', 'agents']),
    );
    expect(run.code).toBe(1);
    const task = (await repo.status('stray')).tasks[0]!;
    // Not retried: the same agent would stray again.
    expect(task).toMatchObject({ status: 'failed', attempts: 1, merged: false });
    expect(task.reason).toMatch(/^sandbox: the agent changed the repository outside its task branch: /);
    expect(task.reason).toContain('branch worktree-side created at');
    expect(task.reason).toMatch(/worktree \S+\/\.claude\/worktrees\/side added on branch worktree-side/);
    expect(run.stderr).toContain('greet: sandbox:');
    // Reported and left for a person, not silently kept or silently deleted.
    expect(await git(repo.root, 'branch', '--list', 'worktree-side')).toContain('worktree-side');
  });

  it('raises no alarm for the engine’s own branches and worktrees of parallel tasks', async () => {
    const repo = await milestoneRepo();
    const tasks = ['a', 'b', 'c'].map((id) => ({
      id,
      title: `Task ${id}`,
      prompt: 'Create hello.txt.',
      agent: 'claude',
      files: [`${id}/**`],
    }));
    expect((await repo.plan({ version: 1, milestone: 'Par', id: 'par', tasks })).code).toBe(0);
    const run = await withEnv(repo, fakeEnv('success'), () =>
      repo.run(['execute', 'par', '--mode', 'agents', '--concurrency', '3']),
    );
    // The three fakes all write hello.txt: the later ones may conflict, but none strays.
    expect(run.stderr).not.toContain('sandbox:');
    expect((await repo.status('par')).tasks.map((t) => t.reason ?? '').join('\n')).not.toContain('sandbox');
  });
});

describe('strayChanges', () => {
  const scope = { milestoneId: 'm', worktreeDir: '/wt/m', worktree: '/wt/m/_slot-1' };
  const base = {
    refs: { 'refs/heads/main': 'a'.repeat(40), 'refs/heads/milestone/m': 'b'.repeat(40) },
    worktrees: { '/repo': 'main', '/wt/m/_slot-1': 'milestone/m.tasks/t' },
    ownHead: 'refs/heads/milestone/m.tasks/t',
  };
  it('ignores the milestone namespace and engine slots, and names everything else', () => {
    const after = {
      refs: {
        'refs/heads/main': 'c'.repeat(40),
        'refs/heads/milestone/m': 'd'.repeat(40),
        'refs/heads/milestone/m.tasks/u': 'e'.repeat(40),
        'refs/tags/v1': 'f'.repeat(40),
      },
      worktrees: { ...base.worktrees, '/wt/m/_slot-2': 'milestone/m.tasks/u', '/elsewhere': null },
      ownHead: 'refs/heads/main',
    };
    expect(strayChanges(base, after, scope)).toEqual([
      'branch main moved from aaaaaaaaaaaa to cccccccccccc',
      'tag v1 created at ffffffffffff',
      'worktree /elsewhere added',
      "the task's worktree was switched from branch milestone/m.tasks/t to branch main",
    ]);
    expect(strayChanges(base, base, scope)).toEqual([]);
  });
});
