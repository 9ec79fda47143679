import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { finish } from '../../src/cli/commands/finish.js';
import { recordingIo } from '../../src/io/io.js';
import type { AsyncRepo } from '../helpers/async-cli.js';
import { asyncRepo, gitA, milestoneBin, pathWithoutGh, script, shell, until } from '../helpers/async-cli.js';
import { CLI, tempDir } from '../helpers/git-repo.js';

const COLORS = [
  { id: 'blue', title: 'Blue', run: 'sed -i s/red/blue/ config.txt' },
  { id: 'green', title: 'Green', run: 'sed -i s/red/green/ config.txt' },
];

// Each test runs several real CLI processes and git repositories; on a loaded 2-core machine one
// can take most of a minute, so the limit is generous (the work itself takes seconds).

/** Two tasks editing the same line: one lands, the other stops `conflicted` with its worktree kept. */
async function conflicted(extra: Record<string, unknown> = {}) {
  const repo = await asyncRepo({ 'config.txt': 'color=red\n' });
  const planned = await repo.plan({ version: 1, milestone: 'Colors', id: 'colors', tasks: COLORS, ...extra });
  expect(planned.code, planned.stderr).toBe(0);
  const first = await repo.run(['execute', 'colors', '--mode', 'agents', '--concurrency', '2']);
  expect(first.code, first.stderr).toBe(1);
  // From execute's own report: the task and its kept worktree.
  const taskId = /conflict: task (\w+)/.exec(first.stderr)?.[1];
  const worktree = /^ +cd (\S+)$/m.exec(first.stderr)?.[1];
  expect(taskId && worktree, first.stderr).toBeTruthy();
  const conflict = { taskId: taskId!, worktree: worktree!, branch: `milestone/colors.tasks/${taskId}` };
  return { repo, first, conflict, landedBefore: await gitA(repo.root, 'rev-parse', 'milestone/colors') };
}

/** What a person does in the kept worktree: merge, write `content`, commit. */
async function resolveByHand(worktree: string, content: string) {
  const merge = await shell(worktree, 'git merge milestone/colors');
  expect(merge.code).toBe(1);
  writeFileSync(join(worktree, 'config.txt'), content);
  const commit = await shell(worktree, 'git add -A && git commit -q -m resolved');
  expect(commit.code, commit.stderr).toBe(0);
}

describe('1. a hand-resolved conflict is verified before it lands', () => {
  it('a resolution that still holds conflict markers stays conflicted, exits 1 and lands nothing', async () => {
    const { repo, conflict, landedBefore } = await conflicted();
    await resolveByHand(
      conflict.worktree,
      '<<<<<<< HEAD\ncolor=blue\n=======\ncolor=green\n>>>>>>> milestone/colors\n',
    );
    const second = await repo.run(['execute', 'colors']);
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toContain('conflict markers remain in config.txt');
    expect(await gitA(repo.root, 'rev-parse', 'milestone/colors')).toBe(landedBefore);
    const status = await repo.status('colors');
    const task = status.tasks.find((t) => t.id === conflict.taskId)!;
    expect(task.status).toBe('conflicted');
    expect(task.merged).toBe(false);
    expect(status.status).toBe('failed');
    expect(status.progress.overall).toBeLessThan(100);
    // The attempt log names the check and its result.
    const log = /log: (\S+)\)/.exec(task.reason ?? '')?.[1];
    expect(log && readFileSync(log, 'utf8')).toContain(
      'resolution refused: conflict markers remain in config.txt',
    );

    // Fixing the resolution in the same worktree lands it.
    writeFileSync(join(conflict.worktree, 'config.txt'), 'color=teal\n');
    await gitA(conflict.worktree, 'commit', '-q', '-am', 'fix the resolution');
    const third = await repo.run(['execute', 'colors']);
    expect(third.code, third.stderr).toBe(0);
    expect(await gitA(repo.root, 'show', 'milestone/colors:config.txt')).toBe('color=teal');
  });

  it("a resolution that fails the task's verify stays conflicted with the reason", async () => {
    const { repo, conflict, landedBefore } = await conflicted({
      defaults: { verify: '! grep -q broken config.txt' },
    });
    await resolveByHand(conflict.worktree, 'color=broken\n');
    const second = await repo.run(['execute', 'colors']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/verify `! grep -q broken config.txt` failed on the resolution/);
    expect(await gitA(repo.root, 'rev-parse', 'milestone/colors')).toBe(landedBefore);
    expect((await repo.status('colors')).tasks.find((t) => t.id === conflict.taskId)?.status).toBe(
      'conflicted',
    );
    // The person's worktree is back on the task branch, their commit untouched.
    expect(await gitA(conflict.worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(conflict.branch);
    expect(readFileSync(join(conflict.worktree, 'config.txt'), 'utf8')).toBe('color=broken\n');

    // A good resolution lands, and its verify runs even when the person removed the worktree.
    writeFileSync(join(conflict.worktree, 'config.txt'), 'color=fixed\n');
    await gitA(conflict.worktree, 'commit', '-q', '-am', 'fix the resolution');
    await gitA(repo.root, 'worktree', 'remove', conflict.worktree);
    const third = await repo.run(['execute', 'colors']);
    expect(third.code, third.stderr).toBe(0);
    expect(await gitA(repo.root, 'show', 'milestone/colors:config.txt')).toBe('color=fixed');
    expect((await repo.status('colors')).status).toBe('completed');
  });

  it('an uncommitted resolution is not landed', async () => {
    const { repo, conflict, landedBefore } = await conflicted();
    expect((await shell(conflict.worktree, 'git merge milestone/colors')).code).toBe(1);
    writeFileSync(join(conflict.worktree, 'config.txt'), 'color=teal\n');
    const second = await repo.run(['execute', 'colors']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('is not committed yet');
    expect(await gitA(repo.root, 'rev-parse', 'milestone/colors')).toBe(landedBefore);
  });
});

describe('2. every command works from a linked worktree; the conflict advice works as printed', () => {
  it('following the steps status prints, literally, from inside the task worktree, lands the task', async () => {
    const { repo, first } = await conflicted();
    const conflict = (await repo.status('colors')).conflicts[0]!;
    expect(conflict.worktreeExists).toBe(true);
    // execute, status and show all print the same steps with the worktree path.
    const statusText = await repo.run(['status', 'colors']);
    const showText = await repo.run(['show', 'colors']);
    for (const text of [first.stderr, statusText.stdout, showText.stdout]) {
      expect(text).toContain(`worktree: ${conflict.worktree}`);
      for (const step of conflict.steps) expect(text).toContain(`    ${step}`);
    }
    expect(conflict.steps[0]).toBe(`cd ${conflict.worktree}`);
    const bin = milestoneBin();
    const env = { ...repo.env, PATH: `${bin}:${process.env.PATH}` };
    // Each printed line, run as printed, after the `cd` the first one does.
    const [cd, merge, commit, execute] = conflict.steps as [string, string, string, string];
    expect((await shell(repo.root, `${cd} && ${merge}`, env)).code).toBe(1);
    writeFileSync(join(conflict.worktree, 'config.txt'), 'color=teal\n');
    const committed = await shell(repo.root, `${cd} && ${commit}`, env);
    expect(committed.code, committed.stderr).toBe(0);
    const landed = await shell(repo.root, `${cd} && ${execute}`, env);
    expect(landed.code, landed.stderr).toBe(0);
    expect(await gitA(repo.root, 'show', 'milestone/colors:config.txt')).toBe('color=teal');
    expect((await repo.status('colors')).status).toBe('completed');
  });

  it('status, show, list and execute run from a linked worktree and a folder below it', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Linked',
      id: 'linked',
      tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt' }],
    });
    const linked = join(tempDir('milestone-linked-'), 'wt');
    await gitA(repo.root, 'worktree', 'add', '-q', '-b', 'side', linked);
    await gitA(linked, 'commit', '-q', '--allow-empty', '-m', 'side');
    const below = join(linked, 'sub');
    await shell(linked, 'mkdir sub');
    for (const cwd of [linked, below]) {
      for (const args of [['status', 'linked'], ['show', 'linked'], ['list']]) {
        const result = await repo.run(args, { cwd });
        expect(result.code, `${args.join(' ')} in ${cwd}: ${result.stderr}`).toBe(0);
      }
    }
    const run = await repo.run(['execute', 'linked'], { cwd: below });
    expect(run.code, run.stderr).toBe(0);
    expect(await gitA(repo.root, 'show', 'milestone/linked:a.txt')).toBe('a');
    expect(existsSync(join(linked, '.milestones'))).toBe(false);
  });
});

async function completedShip(files: Record<string, string> = {}) {
  const repo = await asyncRepo(files);
  await repo.plan({
    version: 1,
    milestone: 'Ship',
    id: 'ship',
    tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt' }],
  });
  const run = await repo.run(['execute', 'ship']);
  expect(run.code, run.stderr).toBe(0);
  return repo;
}

async function snapshot(repo: AsyncRepo) {
  return {
    main: await gitA(repo.root, 'rev-parse', 'main'),
    record: existsSync(join(repo.root, '.milestones', 'ship', 'plan.json')),
    status: await gitA(repo.root, 'status', '--porcelain'),
  };
}

describe('3. finish never destroys anything when it fails', () => {
  it('a conflict with the base exits 1 naming the files and leaves the record and base alone', async () => {
    const repo = await completedShip();
    writeFileSync(join(repo.root, 'a.txt'), 'mine\n');
    await gitA(repo.root, 'add', 'a.txt');
    await gitA(repo.root, 'commit', '-q', '-m', 'a different a.txt on main');
    const before = await snapshot(repo);
    expect(before.record).toBe(true);
    const result = await repo.run(['finish', 'ship']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('conflicts with main in a.txt');
    expect(result.stderr).not.toContain('internal error');
    expect(await snapshot(repo)).toEqual(before);
  });

  it('an untracked file in the way exits 2 naming it and changes nothing', async () => {
    const repo = await completedShip();
    writeFileSync(join(repo.root, 'a.txt'), 'my own notes\n');
    const before = await snapshot(repo);
    const result = await repo.run(['finish', 'ship']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('would overwrite untracked files');
    expect(result.stderr).toContain('a.txt');
    expect(result.stderr).not.toContain('internal error');
    expect(readFileSync(join(repo.root, 'a.txt'), 'utf8')).toBe('my own notes\n');
    expect(await snapshot(repo)).toEqual(before);
  });

  it("refuses --into the milestone's own branch", async () => {
    const repo = await completedShip();
    const before = await gitA(repo.root, 'rev-parse', 'milestone/ship');
    const result = await repo.run(['finish', 'ship', '--into', 'milestone/ship']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("milestone's own branch");
    expect(await gitA(repo.root, 'rev-parse', 'milestone/ship')).toBe(before);
  });

  it('merges into the base checked out in a linked worktree, through that worktree', async () => {
    const repo = await completedShip();
    await gitA(repo.root, 'switch', '-q', '-c', 'elsewhere');
    const linked = join(tempDir('milestone-base-'), 'main-wt');
    await gitA(repo.root, 'worktree', 'add', '-q', linked, 'main');
    const result = await repo.run(['finish', 'ship']);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(linked, 'a.txt'), 'utf8')).toBe('a\n');
    expect(await gitA(linked, 'status', '--porcelain')).toBe('');
  });

  it('--pr: no gh is exit 2 saying what to install; gh logged out is exit 2 saying what to run', async () => {
    const repo = await completedShip();
    const bare = await pathWithoutGh();
    const missing = await repo.run(['finish', 'ship', '--pr'], { env: { PATH: bare } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('`gh` is not installed');
    expect(missing.stderr).toContain('https://cli.github.com');

    const fake = tempDir('milestone-gh-');
    script(fake, 'gh', 'case "$1" in auth) echo "not logged in" >&2; exit 1;; esac; exit 0');
    const loggedOut = await repo.run(['finish', 'ship', '--pr'], { env: { PATH: `${fake}:${bare}` } });
    expect(loggedOut.code).toBe(2);
    expect(loggedOut.stderr).toContain('gh auth login');
  });

  it('--pr pushes the branch and opens the pull request with gh; a hung gh is stopped by its timeout', async () => {
    const repo = await completedShip();
    const origin = tempDir('milestone-origin-');
    await gitA(origin, 'init', '-q', '--bare');
    await gitA(repo.root, 'remote', 'add', 'origin', origin);
    const fake = tempDir('milestone-gh-');
    const calls = join(fake, 'calls');
    script(
      fake,
      'gh',
      `echo "$*" >> ${calls}\ncase "$1" in pr) echo https://github.example/o/r/pull/7;; esac\nexit 0`,
    );
    const opened = await repo.run(['finish', 'ship', '--pr'], {
      env: { PATH: `${fake}:${process.env.PATH}` },
    });
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toContain('pull request: https://github.example/o/r/pull/7');
    expect(await gitA(origin, 'rev-parse', 'milestone/ship')).toBe(
      await gitA(repo.root, 'rev-parse', 'milestone/ship'),
    );
    expect(readFileSync(calls, 'utf8')).toContain('pr create --base main --head milestone/ship');

    const hung = tempDir('milestone-gh-hung-');
    script(hung, 'gh', 'exec sleep 30');
    await expect(
      finish({
        cwd: repo.root,
        io: recordingIo(),
        id: 'ship',
        pr: true,
        env: { PATH: `${hung}:${process.env.PATH}` },
        timeoutMs: { gh: 300 },
      }),
    ).rejects.toMatchObject({
      code: 'MILESTONE_GH_AUTH',
      exitCode: 2,
      // The timeout stopped it: a gh left alone would exit 0 after 30 s and count as logged in.
      message: expect.stringContaining('`gh auth status` did not answer within'),
    });
  });
});

describe('4. a checked-out milestone branch is never moved under the person', () => {
  it('execute refuses with exit 2 while milestone/<id> is checked out, in a linked or the main worktree', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Guard',
      id: 'guard',
      tasks: [{ id: 'a', title: 'A', run: 'echo a > a.txt' }],
    });
    await gitA(repo.root, 'branch', 'milestone/guard', 'main');
    const linked = join(tempDir('milestone-guard-'), 'wt');
    await gitA(repo.root, 'worktree', 'add', '-q', linked, 'milestone/guard');
    const head = await gitA(repo.root, 'rev-parse', 'milestone/guard');
    const refused = await repo.run(['execute', 'guard']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`milestone/guard is checked out in ${linked}`);
    expect(refused.stderr).toContain(`git -C ${linked} switch main`);
    expect(await gitA(repo.root, 'rev-parse', 'milestone/guard')).toBe(head);
    expect((await repo.status('guard')).status).toBe('planned');

    await gitA(repo.root, 'worktree', 'remove', linked);
    await gitA(repo.root, 'switch', '-q', 'milestone/guard');
    const main = await repo.run(['execute', 'guard']);
    expect(main.code).toBe(2);
    expect(main.stderr).toContain(`checked out in ${repo.root}`);
    expect(await gitA(repo.root, 'rev-parse', 'milestone/guard')).toBe(head);

    // Following the advice lets it run.
    await gitA(repo.root, 'switch', '-q', 'main');
    const run = await repo.run(['execute', 'guard']);
    expect(run.code, run.stderr).toBe(0);
    expect(await gitA(repo.root, 'status', '--porcelain')).not.toContain('a.txt');
  });
});

describe('6. state import cannot claim work that did not land', () => {
  it('refuses succeeded without a landed commit, and completed with open tasks', async () => {
    const repo = await asyncRepo();
    await repo.plan({
      version: 1,
      milestone: 'Claims',
      id: 'claims',
      tasks: [
        { id: 'a', title: 'A', run: 'echo a > a.txt' },
        { id: 'b', title: 'B', run: 'echo b > b.txt' },
      ],
    });
    const exported = JSON.parse(
      (await repo.run(['state', 'export', 'claims', '--format', 'command'])).stdout,
    );
    const claim = structuredClone(exported);
    for (const task of claim.phases.execute.tasks) task.status = 'succeeded';
    writeFileSync(join(repo.root, 'claim.json'), JSON.stringify(claim));
    const refused = await repo.run(['state', 'import', 'claim.json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no commit with `Task-Id: a` is on milestone/claims');

    const completed = structuredClone(exported);
    completed.status = 'completed';
    writeFileSync(join(repo.root, 'completed.json'), JSON.stringify(completed));
    const notDone = await repo.run(['state', 'import', 'completed.json']);
    expect(notDone.code).toBe(2);
    expect(notDone.stderr).toContain('2 of 2 task(s) have not landed');

    const status = await repo.status('claims');
    expect(status.status).toBe('planned');
    expect(status.tasks.every((t) => t.status === 'pending' && !t.merged)).toBe(true);
    expect(status.progress.overall).toBe(0);
  });
});

/** How many tasks' agent process groups the coordinator of `root` has recorded (`intent` events). */
function agentGroupsRecorded(root: string): number {
  const path = join(root, '.milestones', '.local', 'store.db');
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true });
  try {
    const tasks = db
      .prepare("SELECT data FROM events WHERE type = 'intent'")
      .all()
      .map((row) => JSON.parse((row as { data: string }).data))
      .filter((e) => e.step === 'agent' && typeof e.detail?.pid === 'number')
      .map((e) => e.taskId);
    return new Set(tasks).size;
  } finally {
    db.close();
  }
}

describe('11. watch, resume, clean', () => {
  it('status --watch ends with the resume hint when the coordinator is killed; clean stops its orphaned agents', async () => {
    const repo = await asyncRepo();
    const pids = join(tempDir('milestone-pids-'), 'pids');
    await repo.plan({
      version: 1,
      milestone: 'Orphans',
      id: 'orphans',
      tasks: [0, 1].map((i) => ({ id: `s${i}`, title: `Slow ${i}`, run: `echo $$ >> ${pids}; sleep 60` })),
    });
    const coordinator = spawn(
      process.execPath,
      [CLI, 'execute', 'orphans', '--mode', 'agents', '--concurrency', '2'],
      { cwd: repo.root, env: { ...process.env, ...repo.env }, stdio: 'ignore' },
    );
    // Both agents wrote their pid, and the coordinator recorded both process groups (what
    // `clean` stops): an agent starts a moment before its group is in the store, and a busy
    // machine can stretch that moment past the kill.
    await until(
      async () =>
        existsSync(pids) &&
        readFileSync(pids, 'utf8').trim().split('\n').length === 2 &&
        agentGroupsRecorded(repo.root) === 2,
      'both agents to start',
    );
    const watcher = repo.run(['status', 'orphans', '--watch']);
    coordinator.kill('SIGKILL');
    const watched = await watcher;
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain('is gone; run `milestone execute orphans` to resume');

    const agents = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    const alive = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
      } catch {
        return false;
      }
    };
    expect(agents.every(alive)).toBe(true);
    const cleaned = await repo.run(['clean']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toMatch(/stopped the orphaned agent of orphans\/s0/);
    expect(agents.some(alive)).toBe(false);
  });

  it('a resume keeps the concurrency of the interrupted run unless a new one is given', async () => {
    const repo = await asyncRepo();
    const gate = join(tempDir('milestone-gate-'), 'open');
    await repo.plan({
      version: 1,
      milestone: 'Resume',
      id: 'resume',
      tasks: [
        { id: 'gate', title: 'Gate', run: `test -f ${gate}` },
        ...[1, 2, 3].map((i) => ({
          id: `t${i}`,
          title: `T${i}`,
          run: `sleep 0.3 && echo ${i} > t${i}.txt`,
          needs: ['gate'],
        })),
      ],
      defaults: { retries: 0 },
    });
    const first = await repo.run(['execute', 'resume', '--mode', 'agents', '--concurrency', '1']);
    expect(first.code).toBe(1);
    writeFileSync(gate, '');
    const resumed = await repo.run(['execute', 'resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('concurrency 1 (as the previous run');
    const status = JSON.parse((await repo.run(['status', 'resume', '--json'])).stdout) as {
      tasks: Array<{ id: string; startedAt: string; finishedAt: string }>;
    };
    const spans = status.tasks
      .filter((t) => t.id !== 'gate')
      .map((t) => [Date.parse(t.startedAt), Date.parse(t.finishedAt)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it("clean removes a cancelled milestone's conflicted task branches and worktrees", async () => {
    const { repo, conflict } = await conflicted();
    const cancelled = await repo.run(['cancel', 'colors']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const cleaned = await repo.run(['clean']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(await gitA(repo.root, 'branch', '--list', 'milestone/colors.tasks/*')).toBe('');
    expect(existsSync(conflict.worktree)).toBe(false);
    expect(await gitA(repo.root, 'worktree', 'list')).not.toContain(conflict.worktree);
    // What landed stays.
    expect(await gitA(repo.root, 'rev-parse', '--verify', '-q', 'milestone/colors')).not.toBe('');
  });
});
