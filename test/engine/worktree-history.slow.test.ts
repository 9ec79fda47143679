import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync, runIn } from '../helpers/async-cli.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

async function repoWith(files: Record<string, string> = {}) {
  const root = await gitRepo({ files });
  const stateHome = tempDir('milestone-state-');
  const cli = (args: string[]) => milestoneAsync(root, args, { XDG_STATE_HOME: stateHome });
  return {
    root,
    stateHome,
    cli,
    async plan(id: string, tasks: object[], extra: object = {}) {
      writeFiles(root, {
        [`${id}.yaml`]: stringify({ version: 1, milestone: `Milestone ${id}`, id, tasks, ...extra }),
      });
      const planned = await cli(['plan', '--from', `${id}.yaml`]);
      expect(planned.code, planned.stderr).toBe(0);
    },
    subjects: async (branch: string) =>
      (await git(root, 'log', '--format=%s', `main..${branch}`)).split('\n'),
  };
}

describe('history people can ship', () => {
  it('task commit types: from the files changed, from the task, from the plan default', async () => {
    const repo = await repoWith();
    await repo.plan(
      'types',
      [
        { id: 'code', title: 'Sketch the API in code', phase: 'design', run: 'echo x > api.ts' },
        { id: 'notes', title: 'Write notes', phase: 'design', run: 'echo x > notes.md' },
        { id: 'bug', title: 'Fix the bug', run: 'echo y > api.ts', commitType: 'fix' },
        { id: 'tidy', title: 'Tidy up', run: 'echo z > tidy.ts' },
      ],
      { defaults: { commitType: 'chore' } },
    );
    const result = await repo.cli(['execute', 'types', '--mode', 'direct']);
    expect(result.code, result.stderr).toBe(0);
    const subjects = await repo.subjects('milestone/types');
    // The plan default applies to every task that sets none; the task's own type wins.
    expect(subjects).toContain('chore(design): Sketch the API in code');
    expect(subjects).toContain('fix(execute): Fix the bug');

    const auto = await repoWith();
    await auto.plan('auto', [
      { id: 'code', title: 'Sketch the API in code', phase: 'design', run: 'echo x > api.ts' },
      { id: 'notes', title: 'Write notes', phase: 'design', run: 'echo x > notes.md' },
      { id: 'tests', title: 'Add tests', run: 'mkdir -p test && echo t > test/api.test.ts' },
    ]);
    expect((await auto.cli(['execute', 'auto', '--mode', 'direct'])).code).toBe(0);
    const decided = await auto.subjects('milestone/auto');
    expect(decided).toContain('feat(design): Sketch the API in code');
    expect(decided).toContain('docs(design): Write notes');
    expect(decided).toContain('test(execute): Add tests');
  });

  it('a failed task keeps its work on its branch, and with --keep-failed its worktree; the failure line has the last output', async () => {
    const repo = await repoWith();
    await repo.plan(
      'fails',
      [
        {
          id: 'half',
          title: 'Half done',
          run: 'echo partial > partial.txt',
          verify: 'echo "2 tests failed" >&2; exit 1',
        },
      ],
      {
        defaults: { retries: 0 },
      },
    );
    const result = await repo.cli(['execute', 'fails', '--mode', 'agents', '--keep-failed']);
    expect(result.code).toBe(1);
    const status = JSON.parse((await repo.cli(['status', 'fails', '--json'])).stdout);
    const reason: string = status.tasks[0].reason;
    expect(reason).toContain('exited with 1; last output: 2 tests failed');
    expect(reason).toContain('work kept on milestone/fails.tasks/half');
    expect(await git(repo.root, 'show', 'milestone/fails.tasks/half:partial.txt')).toBe('partial');
    const kept = /in (\S+)$/.exec(reason)?.[1];
    expect(kept && existsSync(join(kept, 'partial.txt'))).toBe(true);
    // Nothing landed.
    expect(await git(repo.root, 'ls-tree', '--name-only', 'milestone/fails')).not.toContain('partial.txt');
  });

  it('finish --without-records merges the code without .milestones/<id>/', async () => {
    const repo = await repoWith();
    await repo.plan('quiet', [{ id: 'one', title: 'One', run: 'echo 1 > one.txt' }]);
    expect((await repo.cli(['execute', 'quiet', '--mode', 'agents'])).code).toBe(0);
    expect(await git(repo.root, 'ls-tree', '-r', '--name-only', 'milestone/quiet')).toContain(
      '.milestones/quiet/plan.json',
    );
    const finished = await repo.cli(['finish', 'quiet', '--without-records']);
    expect(finished.code, finished.stderr).toBe(0);
    const onMain = (await git(repo.root, 'ls-tree', '-r', '--name-only', 'main')).split('\n');
    expect(onMain).toContain('one.txt');
    expect(onMain.filter((p) => p.startsWith('.milestones/quiet/'))).toEqual([]);
    expect(readFileSync(join(repo.root, 'one.txt'), 'utf8')).toBe('1\n');
  });

  it('records on the milestone branch hold no absolute path of this machine', async () => {
    const repo = await repoWith();
    await repo.plan('paths', [
      { id: 'ok', title: 'Ok', run: 'echo ok > ok.txt' },
      {
        id: 'flaky',
        title: 'Flaky',
        run: 'test -f "$MILESTONE_REPO_ROOT/.retry" || { touch "$MILESTONE_REPO_ROOT/.retry"; exit 1; }; echo f > f.txt',
      },
    ]);
    writeFiles(repo.root, { '.gitignore': '.retry\n' });
    await git(repo.root, 'add', '-A');
    await git(repo.root, 'commit', '-qm', 'ignore');
    const result = await repo.cli(['execute', 'paths', '--mode', 'agents']);
    expect(result.code, result.stderr).toBe(0);
    expect(await git(repo.root, 'ls-tree', '-r', '--name-only', 'milestone/paths')).toContain(
      '.milestones/paths/phases/execute.json',
    );
    for (const path of [repo.root, repo.stateHome, '/tmp/']) {
      const found = await runIn(
        'git',
        ['grep', '-l', '-F', path, 'milestone/paths', '--', '.milestones/'],
        repo.root,
      );
      expect(found.stdout).toBe('');
      expect(found.code).toBe(1);
    }
  });

  it('warns when a task commits a symlink that points outside the worktree', async () => {
    const repo = await repoWith();
    await repo.plan('links', [{ id: 'leak', title: 'Leak', run: 'ln -s /etc/hostname host-link' }]);
    const result = await repo.cli(['execute', 'links', '--mode', 'agents']);
    expect(result.code, result.stderr).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'leak: commits symlink host-link, which points outside the worktree',
    );
  });
});

describe('preflight', () => {
  it('execute --dry-run shows the worktree folder, the slots, the settings and warns about missing dependencies', async () => {
    const repo = await repoWith({
      '.gitignore': 'node_modules/\n',
      'package.json': '{ "name": "app", "scripts": { "test": "eslint ." } }\n',
    });
    await repo.plan(
      'pre',
      [
        { id: 'a', title: 'A', run: 'true' },
        { id: 'b', title: 'B', run: 'true' },
      ],
      {
        defaults: { verify: 'npm test' },
      },
    );
    const dry = await repo.cli(['execute', 'pre', '--mode', 'agents', '--concurrency', '2', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/worktrees: .*_slots/);
    expect(dry.stdout).toContain('slots: 0 kept, 2 to create');
    expect(dry.stdout).toContain('setup: none; link: none; copy: none');
    expect(dry.stdout).toContain('verify `npm test` runs in worktrees without node_modules');
    expect(dry.stdout).toContain('worktrees: { link: [node_modules] }');
  });

  it('after a run the preflight shows the kept slots, their disk use and the last setup time', async () => {
    const repo = await repoWith({ '.milestones/config.yaml': 'worktrees: { setup: "echo set up" }\n' });
    await repo.plan('first', [{ id: 'a', title: 'A', run: 'true' }]);
    expect((await repo.cli(['execute', 'first', '--mode', 'agents'])).code).toBe(0);
    await repo.plan('next', [
      { id: 'a', title: 'A', run: 'true' },
      { id: 'b', title: 'B', run: 'true' },
    ]);
    const dry = await repo.cli(['execute', 'next', '--mode', 'agents', '--concurrency', '2', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/slots: 1 kept \(_slot-1, \d+ (KiB|MiB)\), 1 to create/);
    expect(dry.stdout).toMatch(/setup: `echo set up` \(last took \d+\.\d s\)/);
    // The start of a real run says the same on stderr.
    const run = await repo.cli(['execute', 'next', '--mode', 'agents', '--concurrency', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('slots: 1 kept');
  });
});

describe('slot lifecycle', () => {
  const slotsOf = (stateHome: string) => {
    const base = join(stateHome, 'milestone', 'worktrees');
    return readdirSync(base).flatMap((repoDir) => {
      const dir = join(base, repoDir, '_slots');
      return existsSync(dir)
        ? readdirSync(dir)
            .filter((n) => /^_slot-\d+$/.test(n))
            .map((n) => join(dir, n))
        : [];
    });
  };

  it('prunes slots beyond worktrees.keep and slots unused for worktrees.maxAge when a run ends', async () => {
    const repo = await repoWith({ '.milestones/config.yaml': 'worktrees: { keep: 2, maxAge: 1d }\n' });
    const three = ['a', 'b', 'c'].map((id) => ({ id, title: id, run: `echo ${id} > ${id}.txt` }));
    await repo.plan('wide', three);
    const wide = await repo.cli(['execute', 'wide', '--mode', 'agents', '--concurrency', '3']);
    expect(wide.code, wide.stderr).toBe(0);
    // Three slots were used; two are kept, the third was taken away without waiting for its deletion.
    expect(slotsOf(repo.stateHome)).toHaveLength(2);

    // One slot last used long ago: the next run (one slot) prunes it by age.
    const [first, second] = slotsOf(repo.stateHome).sort();
    const record = JSON.parse(readFileSync(`${second}.json`, 'utf8'));
    writeFileSync(`${second}.json`, JSON.stringify({ ...record, usedAt: '2020-01-01T00:00:00.000Z' }));
    await repo.plan('narrow', [{ id: 'd', title: 'd', run: 'echo d > d.txt' }]);
    const narrow = await repo.cli(['execute', 'narrow', '--mode', 'agents', '--concurrency', '1']);
    expect(narrow.code, narrow.stderr).toBe(0);
    expect(slotsOf(repo.stateHome)).toEqual([first]);
  });
});
