import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runAsync, shell } from '../helpers/async-cli.js';
import { git, tempDir } from '../helpers/git-repo.js';
import type { MilestoneRepo } from '../helpers/milestone-repo.js';
import { exited, milestoneRepo } from '../helpers/milestone-repo.js';

async function waitFor(
  repo: MilestoneRepo,
  id: string,
  check: (s: Awaited<ReturnType<MilestoneRepo['status']>>) => boolean,
) {
  for (let i = 0; i < 200; i++) {
    if (check(await repo.status(id))) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting on ${id}`);
}

const slowTasks = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    title: `Slow ${i}`,
    run: `sleep 30 && echo ${i} > s${i}.txt`,
  }));

describe('interrupting and cancelling', () => {
  it('SIGINT stops the agents, saves state, exits 130; execute resumes', async () => {
    const repo = await milestoneRepo();
    // `slow` runs until the test opens its gate: the SIGINT surely lands while it runs.
    const gate = join(tempDir('milestone-gate-'), 'open');
    await repo.plan({
      version: 1,
      milestone: 'Interrupt',
      id: 'interrupt',
      tasks: [
        { id: 'quick', title: 'Quick', run: 'echo q > q.txt' },
        {
          id: 'slow',
          title: 'Slow',
          run: `while [ ! -e '${gate}' ]; do sleep 0.1; done; echo s > s.txt`,
          needs: ['quick'],
        },
      ],
    });
    const child = repo.spawn(['execute', 'interrupt', '--mode', 'agents']);
    await waitFor(repo, 'interrupt', (s) => s.tasks.find((t) => t.id === 'slow')?.status === 'running');
    child.kill('SIGINT');
    const code = await exited(child);
    expect(code).toBe(130);
    expect(child.output().stderr).toContain('interrupted: state saved');
    const paused = await repo.status('interrupt');
    expect(paused.status).toBe('paused');
    expect(paused.tasks.map((t) => [t.id, t.status])).toEqual([
      ['quick', 'succeeded'],
      ['slow', 'canceled'],
    ]);
    writeFileSync(gate, '');
    const resumed = await repo.run(['execute', 'interrupt']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await repo.status('interrupt')).status).toBe('completed');
    expect(repo.leftoverWorktrees()).toEqual([]);
  });

  it('cancel stops a running milestone, its agents and worktrees', async () => {
    const repo = await milestoneRepo();
    await repo.plan({ version: 1, milestone: 'Cancel', id: 'cancel', tasks: slowTasks(2) });
    const child = repo.spawn(['execute', 'cancel', '--mode', 'agents', '--concurrency', '2']);
    await waitFor(repo, 'cancel', (s) => s.tasks.every((t) => t.status === 'running'));
    const cancelled = await repo.run(['cancel', 'cancel']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await exited(child);
    const status = await repo.status('cancel');
    expect(status.status).toBe('cancelled');
    expect(status.tasks.every((t) => t.status === 'canceled')).toBe(true);
    expect(repo.leftoverWorktrees()).toEqual([]);
    const again = await repo.run(['execute', 'cancel']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is cancelled');
  });
});

describe('finish', () => {
  async function completed() {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Ship',
      id: 'ship',
      tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt' }],
    });
    expect((await repo.run(['execute', 'ship'])).code).toBe(0);
    return repo;
  }

  it('refuses an unfinished milestone and a dirty working tree, changing nothing', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Early',
      id: 'early',
      tasks: [{ id: 'a', title: 'A', run: 'true' }],
    });
    expect((await repo.run(['finish', 'early'])).code).toBe(2);

    const done = await completed();
    const before = await git(done.root, 'rev-parse', 'main');
    writeFileSync(join(done.root, 'README.md'), 'local edit\n');
    const dirty = await done.run(['finish', 'ship']);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('uncommitted changes');
    expect(await git(done.root, 'rev-parse', 'main')).toBe(before);
  });

  it('merges the milestone branch into the checked-out base', async () => {
    const repo = await completed();
    const result = await repo.run(['finish', 'ship']);
    expect(result.code, result.stderr).toBe(0);
    expect(await git(repo.root, 'log', '-1', '--format=%s', 'main')).toBe('Merge milestone ship: Ship');
    expect(existsSync(join(repo.root, 'a.txt'))).toBe(true);
  });

  it('merges into another branch without checking it out', async () => {
    const repo = await completed();
    await git(repo.root, 'branch', 'release');
    const result = await repo.run(['finish', 'ship', '--into', 'release']);
    expect(result.code, result.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'release:a.txt')).toBe('a');
    expect(await git(repo.root, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(existsSync(join(repo.root, 'a.txt'))).toBe(false);
  });

  it('--pr on this machine: one outcome for its gh (missing, logged out, or logged in)', async () => {
    const repo = await completed();
    // The repository has no `origin`, so even a logged-in gh cannot open a pull request.
    const gh = (await shell(repo.root, 'command -v gh')).stdout.trim();
    const loggedIn = gh !== '' && (await runAsync(gh, ['auth', 'status'], { cwd: repo.root })).code === 0;
    const result = await repo.run(['finish', 'ship', '--pr']);
    expect(result.code, result.stderr).toBe(2);
    if (gh === '') {
      expect(result.stderr).toContain('the GitHub CLI `gh` is not installed');
      expect(result.stderr).toContain('Nothing was pushed.');
    } else if (!loggedIn) {
      expect(result.stderr).toContain('`gh` is not logged in; run `gh auth login`');
      expect(result.stderr).toContain('Nothing was pushed.');
    } else {
      expect(result.stderr).toContain('git push of milestone/ship to origin failed');
      expect(result.stderr).toContain('no pull request was opened');
    }
    expect(await git(repo.root, 'rev-parse', 'main')).not.toBe(
      await git(repo.root, 'rev-parse', 'milestone/ship'),
    );
  });
});

describe('clean', () => {
  it('removes the worktrees and task branches a killed run left behind', async () => {
    const repo = await milestoneRepo();
    await repo.plan({ version: 1, milestone: 'Orphans', id: 'orphans', tasks: slowTasks(2) });
    const child = repo.spawn(['execute', 'orphans', '--mode', 'agents', '--concurrency', '2']);
    // Running is recorded before the worktree exists: wait for both agents' process groups too.
    await waitFor(repo, 'orphans', (s) => s.tasks.every((t) => t.status === 'running'));
    // Slots persist between runs by design; clean is what removes them.
    while (child.exitCode === null && repo.slots().length < 2) await sleep(50);
    // A slot folder appears before its worktree is registered: wait for both worktrees in git.
    while (child.exitCode === null && (await git(repo.root, 'worktree', 'list')).split('\n').length < 3)
      await sleep(50);
    child.kill('SIGKILL');
    await exited(child);
    expect(repo.slots()).toHaveLength(2);
    expect((await git(repo.root, 'worktree', 'list')).split('\n')).toHaveLength(3);

    const dry = await repo.run(['clean', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would remove worktree');
    expect(repo.slots()).toHaveLength(2);

    // A git the killed coordinator started may still be finishing in a slot on a busy machine (its
    // cwd there, or its worktree lock): clean keeps that slot and says why (`kept worktree ...:
    // in use by git (pid N)`). As a person would, clean again once it ended.
    let cleaned = await repo.run(['clean']);
    for (let i = 0; i < 20 && cleaned.code === 0 && repo.slots().length > 0; i++) {
      expect(cleaned.stdout).toMatch(/^kept worktree .+: /m);
      await sleep(500);
      cleaned = await repo.run(['clean']);
    }
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(repo.slots(), cleaned.stdout).toEqual([]);
    expect(repo.leftoverWorktrees()).toEqual([]);
    expect((await git(repo.root, 'worktree', 'list')).split('\n')).toHaveLength(1);
    expect(await git(repo.root, 'branch', '--list', 'milestone/orphans.tasks/*')).toBe('');
  });
});

describe('status --watch', () => {
  it('prints a JSON line per change while a run progresses and stops when it completes', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Watch',
      id: 'watch',
      tasks: [
        { id: 'a', title: 'A', run: 'sleep 0.5 && echo a > a.txt' },
        { id: 'b', title: 'B', run: 'sleep 0.5 && echo b > b.txt', needs: ['a'] },
      ],
    });
    const watcher = repo.spawn(['status', 'watch', '--watch', '--json']);
    // Start the run only once the watcher has printed its first state.
    while (watcher.exitCode === null && !watcher.output().stdout.includes('\n')) await sleep(50);
    const run = await repo.run(['execute', 'watch']);
    expect(run.code, run.stderr).toBe(0);
    const code = await exited(watcher);
    expect(code).toBe(0);
    const lines = watcher
      .output()
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[0].status).toBe('planned');
    expect(lines.at(-1)).toMatchObject({ status: 'completed', progress: { overall: 100 } });
    const overall = lines.map((l) => l.progress.overall);
    expect(overall).toEqual([...overall].sort((x, y) => x - y));
  });
});
