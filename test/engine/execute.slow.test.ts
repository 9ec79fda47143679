import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/async-cli.js';
import { git, tempDir } from '../helpers/git-repo.js';
import { exited, intervals, maxOverlap, milestoneRepo } from '../helpers/milestone-repo.js';

/** Alive and not a zombie (an orphan's zombie lingers until PID 1 reaps it). */
function isLiveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function independentTasks(count: number, seconds: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `t${i + 1}`,
    title: `write file ${i + 1}`,
    run: `sleep ${seconds} && echo "task ${i + 1}" > out-${i + 1}.txt`,
  }));
}

describe('execute: agents in parallel worktrees', () => {
  it('runs 8 independent tasks 4 at a time, lands all 8 files, leaves the base alone', async () => {
    const repo = await milestoneRepo();
    const baseBefore = await git(repo.root, 'rev-parse', 'main');
    expect(
      (await repo.plan({ version: 1, milestone: 'Eight files', id: 'eight', tasks: independentTasks(8, 1) }))
        .code,
    ).toBe(0);

    const run = await repo.run(['execute', 'eight', '--mode', 'agents', '--concurrency', '4']);
    expect(run.code, run.stderr).toBe(0);

    const status = await repo.status('eight');
    expect(status.status).toBe('completed');
    expect(status.progress.overall).toBe(100);
    expect(status.tasks.every((t) => t.status === 'succeeded' && t.merged)).toBe(true);
    // Overlap from the recorded task intervals, not wall time: never more than the limit, and
    // more than one at once (how many exactly depends on the machine's load, so it is not asserted).
    const overlap = maxOverlap(intervals(status));
    expect(overlap).toBeLessThanOrEqual(4);
    expect(overlap).toBeGreaterThan(1);

    const files = (await git(repo.root, 'ls-tree', '--name-only', 'milestone/eight')).split('\n');
    for (let i = 1; i <= 8; i++) expect(files).toContain(`out-${i}.txt`);
    expect(await git(repo.root, 'rev-parse', 'main')).toBe(baseBefore);
    expect(await git(repo.root, 'status', '--porcelain')).not.toContain('out-');
    expect(await git(repo.root, 'log', '--format=%s', 'milestone/eight')).toContain(
      'feat(execute): implement Eight files functionality',
    );
    expect(repo.leftoverWorktrees()).toEqual([]);
  });

  it('direct mode runs the same tasks one at a time', async () => {
    const repo = await milestoneRepo();
    await repo.plan({ version: 1, milestone: 'Direct', id: 'direct', tasks: independentTasks(4, 0.2) });
    const run = await repo.run(['execute', 'direct', '--mode', 'direct']);
    expect(run.code, run.stderr).toBe(0);
    const status = await repo.status('direct');
    expect(status.mode).toBe('direct');
    expect(maxOverlap(intervals(status))).toBe(1);
    const log = (
      await git(repo.root, 'log', '--format=%(trailers:key=Task-Id,valueonly)', 'milestone/direct')
    )
      .split('\n')
      .filter(Boolean);
    expect(log.sort()).toEqual(['t1', 't2', 't3', 't4']);
  });

  it('records each phase commit with the reference messages and the milestone record', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Login',
      id: 'login',
      tasks: [
        {
          id: 'design-doc',
          title: 'Design',
          phase: 'design',
          run: 'mkdir -p docs && echo design > docs/design.md',
        },
        { id: 'spec-doc', title: 'Spec', phase: 'spec', run: 'echo spec > docs/spec.md' },
        { id: 'code', title: 'Code', run: 'echo code > login.js' },
      ],
    });
    const run = await repo.run(['execute', 'login', '--mode', 'hybrid']);
    expect(run.code, run.stderr).toBe(0);
    const subjects = await git(repo.root, 'log', '--format=%s', 'milestone/login');
    expect(subjects).toContain('feat(design): complete design phase for Login');
    expect(subjects).toContain('feat(spec): complete specification phase for Login');
    expect(subjects).toContain('feat(execute): implement Login functionality');
    const record = JSON.parse(
      await git(repo.root, 'show', 'milestone/login:.milestones/login/phases/design.json'),
    );
    expect(record.deliverables).toEqual(['docs/design.md']);
    expect(await git(repo.root, 'show', 'milestone/login:.milestones/login/plan.json')).toContain(
      '"id": "login"',
    );
  });
});

describe('execute: failures', () => {
  it('a failing verify fails the task and skips its dependents while independent work lands', async () => {
    const repo = await milestoneRepo();
    await repo.plan({
      version: 1,
      milestone: 'Verify',
      id: 'verify',
      defaults: { retries: 0 },
      tasks: [
        { id: 'bad', title: 'Bad', run: 'echo bad > bad.txt', verify: 'test "$(cat bad.txt)" = good' },
        { id: 'after-bad', title: 'After bad', run: 'echo x > x.txt', needs: ['bad'] },
        { id: 'free', title: 'Independent', run: 'echo free > free.txt' },
      ],
    });
    const run = await repo.run(['execute', 'verify', '--mode', 'agents']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed: bad: verify');
    const status = await repo.status('verify');
    const byId = Object.fromEntries(status.tasks.map((t) => [t.id, t]));
    expect(byId.bad?.status).toBe('failed');
    expect(byId['after-bad']?.status).toBe('skipped');
    expect(byId.free?.status).toBe('succeeded');
    expect(status.status).toBe('failed');
    expect(status.progress.phases.execute).toBe(33);
  });

  it('a timeout stops the whole process tree', async () => {
    const repo = await milestoneRepo();
    const pids = join(repo.stateHome, 'pids.txt');
    await repo.plan({
      version: 1,
      milestone: 'Timeout',
      id: 'timeout',
      tasks: [
        {
          id: 'slow',
          title: 'Slow',
          run: `sleep 300 & echo $! >> ${pids}; sleep 301 & echo $! >> ${pids}; wait`,
          timeout: '2s',
          retries: 0,
        },
      ],
    });
    const run = await repo.run(['execute', 'timeout']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('timed out');
    const pidList = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(pidList).toHaveLength(2);
    // SIGKILL is delivered, not awaited: wait for the kernel to reap them, without a fixed sleep.
    await until(() => !pidList.some(isLiveProcess), 'the killed agents to be reaped');
    for (const pid of pidList) expect(isLiveProcess(pid), `pid ${pid} still alive`).toBe(false);
  });

  it('two unordered tasks editing the same line conflict; declaring files serializes them', async () => {
    const lines = { 'config.txt': 'color=red\nsize=1\n' };
    const tasks = (files: boolean) => [
      {
        id: 'blue',
        title: 'Blue',
        run: 'sleep 0.3 && sed -i s/red/blue/ config.txt',
        ...(files && { files: ['config.txt'] }),
      },
      {
        id: 'green',
        title: 'Green',
        run: 'sleep 0.3 && sed -i s/red/green/ config.txt',
        ...(files && { files: ['config.txt'] }),
      },
      { id: 'other', title: 'Other', run: 'echo other > other.txt' },
    ];

    const conflicted = await milestoneRepo(lines);
    await conflicted.plan({ version: 1, milestone: 'Colors', id: 'colors', tasks: tasks(false) });
    const first = await conflicted.run(['execute', 'colors', '--mode', 'agents', '--concurrency', '3']);
    expect(first.code).toBe(1);
    const status = await conflicted.status('colors');
    // Whichever of the two landed second conflicts; the message names that one.
    const losers = status.tasks.filter((t) => t.status === 'conflicted');
    expect(losers).toHaveLength(1);
    expect(first.stderr).toMatch(new RegExp(`conflict: task ${losers[0]!.id} .*config\\.txt`));
    expect(status.tasks.find((t) => t.id === 'other')?.status).toBe('succeeded');

    const serialized = await milestoneRepo(lines);
    await serialized.plan({ version: 1, milestone: 'Colors', id: 'colors', tasks: tasks(true) });
    const second = await serialized.run(['execute', 'colors', '--mode', 'agents', '--concurrency', '3']);
    expect(second.code, second.stderr).toBe(0);
    const spans = intervals(await serialized.status('colors')).filter((s) => s.id !== 'other');
    expect(maxOverlap(spans)).toBe(1);
  });

  it('a person resolves a conflict in the kept worktree and execute lands it', async () => {
    const repo = await milestoneRepo({ 'config.txt': 'color=red\n' });
    await repo.plan({
      version: 1,
      milestone: 'Colors',
      id: 'colors',
      tasks: [
        { id: 'blue', title: 'Blue', run: 'sed -i s/red/blue/ config.txt' },
        { id: 'green', title: 'Green', run: 'sed -i s/red/green/ config.txt' },
      ],
    });
    const first = await repo.run(['execute', 'colors', '--mode', 'agents', '--concurrency', '2']);
    expect(first.code).toBe(1);
    const worktree = /cd (\S+)/.exec(first.stderr)?.[1];
    expect(worktree).toBeTruthy();
    await expect(git(worktree!, 'merge', 'milestone/colors', '--no-edit')).rejects.toThrow();
    writeFileSync(join(worktree!, 'config.txt'), 'color=teal\n');
    await git(worktree!, 'add', '-A');
    await git(worktree!, 'commit', '-q', '--no-edit');

    const second = await repo.run(['execute', 'colors']);
    expect(second.code, second.stderr).toBe(0);
    expect(await git(repo.root, 'show', 'milestone/colors:config.txt')).toBe('color=teal');
    expect((await repo.status('colors')).tasks.every((t) => t.status === 'succeeded' && t.merged)).toBe(true);
    expect(repo.leftoverWorktrees()).toEqual([]);
  });
});

describe('execute: one coordinator, crash and resume', () => {
  it('a second execute exits 3 naming the holder', async () => {
    const repo = await milestoneRepo();
    const gate = join(tempDir('milestone-gate-'), 'open');
    await repo.plan({
      version: 1,
      milestone: 'Lock',
      id: 'lock',
      // The task holds until the test opens its gate: the second execute surely meets the first.
      tasks: [{ id: 'wait', title: 'Wait', run: `while [ ! -e '${gate}' ]; do sleep 0.1; done` }],
    });
    const first = repo.spawn(['execute', 'lock']);
    while (first.exitCode === null && (await repo.status('lock')).status !== 'executing') await sleep(100);
    const second = await repo.run(['execute', 'lock']);
    writeFileSync(gate, '');
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`pid ${first.pid}`);
    const code = await exited(first);
    expect(code).toBe(0);
  });

  it('after kill -9 of the coordinator, execute resumes and every effect lands exactly once', async () => {
    const repo = await milestoneRepo({ 'shared.log': '' });
    // Steps after the second hold until the test opens their gate: the kill surely comes mid-run
    // (two landed, the rest not), however slowly a busy machine runs the status reads.
    const gate = join(tempDir('milestone-gate-'), 'open');
    const tasks = Array.from({ length: 6 }, (_, i) => ({
      id: `step-${i + 1}`,
      title: `Step ${i + 1}`,
      run: `${i >= 2 ? `while [ ! -e '${gate}' ]; do sleep 0.1; done; ` : ''}sleep 0.6 && echo "step-${i + 1}" >> shared.log`,
      files: ['shared.log'],
    }));
    await repo.plan({ version: 1, milestone: 'Crash', id: 'crash', tasks });
    const child = repo.spawn(['execute', 'crash', '--mode', 'agents', '--concurrency', '3']);
    while (child.exitCode === null && (await repo.status('crash')).tasks.filter((t) => t.merged).length < 2)
      await sleep(50);
    child.kill('SIGKILL');
    await exited(child);
    writeFileSync(gate, '');
    const crashed = (await repo.status('crash')) as unknown as {
      status: string;
      coordinator: { pid: number; alive: boolean };
    };
    expect(crashed.status).toBe('executing');
    expect(crashed.coordinator).toMatchObject({ pid: child.pid, alive: false });
    expect((await repo.run(['status', 'crash'])).stdout).toContain(
      'is gone: run `milestone execute crash` to resume',
    );

    const resumed = await repo.run(['execute', 'crash']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = (await git(repo.root, 'show', 'milestone/crash:shared.log')).split('\n').filter(Boolean);
    expect(lines.sort()).toEqual(tasks.map((t) => t.id).sort());
    const trailers = (
      await git(
        repo.root,
        'log',
        '--first-parent',
        '--format=%(trailers:key=Task-Id,valueonly)',
        'milestone/crash',
      )
    )
      .split('\n')
      .filter(Boolean);
    expect(trailers.sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(repo.leftoverWorktrees()).toEqual([]);
    // The slots stay for the next run (the dead coordinator's locks were taken over), detached:
    // no task branch is left checked out or at all.
    const listed = (await git(repo.root, 'worktree', 'list', '--porcelain'))
      .split('\n')
      .filter((l) => l.startsWith('worktree '));
    expect(listed.slice(1).every((l) => /\/_slots\/_slot-\d+$/.test(l))).toBe(true);
    expect(await git(repo.root, 'branch', '--list', 'milestone/crash.tasks/*')).toBe('');
    expect(repo.slots().filter((s) => existsSync(`${s}.lock`))).toEqual([]);
  });
});
