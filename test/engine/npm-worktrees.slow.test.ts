import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { milestoneAsync, runIn } from '../helpers/async-cli.js';
import type { CliResult } from '../helpers/git-repo.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

/**
 * A repository with a real npm dependency tree: a small local package (`greet`, packed to a
 * tarball kept in the repository) installed into `node_modules` by npm, `node_modules/`
 * git-ignored with a trailing slash, and `npm test` calling the package's bin. Without the
 * dependencies in a worktree, verify fails with 127 (`greet: not found`).
 */
let template: string;

beforeAll(async () => {
  // Not `tempDir`: that one is removed after each test, and every test installs from this.
  template = realpathSync(mkdtempSync(join(tmpdir(), 'milestone-npm-')));
  const pkg = join(template, 'greet');
  writeFiles(pkg, {
    'package.json': JSON.stringify({
      name: 'greet',
      version: '1.0.0',
      bin: { greet: 'bin.js' },
      main: 'index.js',
    }),
    'index.js': "module.exports = (who) => 'hello ' + who;\n",
    'bin.js': "#!/usr/bin/env node\nconsole.log(require('./index.js')(process.argv[2] ?? 'world'));\n",
  });
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', template], pkg);
  expect(packed.code, packed.stderr).toBe(0);
});

afterAll(() => rmSync(template, { recursive: true, force: true }));

const run = runIn;

interface NpmRepo {
  root: string;
  stateHome: string;
  /** A scratch folder outside the repository for tasks to report into. */
  scratch: string;
  cli(args: string[]): Promise<CliResult>;
  plan(id: string, tasks: object[], extra?: object): Promise<void>;
  /** Every path on a branch. */
  tree(branch: string): Promise<string[]>;
}

async function npmRepo(config: string): Promise<NpmRepo> {
  const root = await gitRepo({
    files: {
      '.gitignore': 'node_modules/\n',
      'vendor/greet-1.0.0.tgz': '',
      'package.json': `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, scripts: { test: 'greet tests' } }, null, 2)}\n`,
      '.milestones/config.yaml': config,
    },
  });
  writeFileSync(join(root, 'vendor/greet-1.0.0.tgz'), readFileSync(join(template, 'greet-1.0.0.tgz')));
  const installed = await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', './vendor/greet-1.0.0.tgz'],
    root,
  );
  expect(installed.code, installed.stderr).toBe(0);
  expect(lstatSync(join(root, 'node_modules/greet')).isDirectory()).toBe(true);
  await git(root, 'add', '-A');
  await git(root, 'commit', '-q', '-m', 'depend on greet');
  expect(await git(root, 'status', '--porcelain')).toBe('');
  const stateHome = tempDir('milestone-state-');
  const scratch = tempDir('milestone-scratch-');
  const repo: NpmRepo = {
    root,
    stateHome,
    scratch,
    cli: (args) => milestoneAsync(root, args, { XDG_STATE_HOME: stateHome, SCRATCH: scratch }),
    plan: async (id, tasks, extra = {}) => {
      writeFiles(root, { [`${id}.yaml`]: stringify({ version: 1, milestone: id, id, tasks, ...extra }) });
      const planned = await repo.cli(['plan', '--from', `${id}.yaml`]);
      expect(planned.code, planned.stderr).toBe(0);
    },
    tree: async (branch) => (await git(root, 'ls-tree', '-r', '--name-only', branch)).split('\n'),
  };
  return repo;
}

/** Lines a setup command appended to `$SCRATCH/setups`: one per setup run. */
function setups(repo: NpmRepo): string[] {
  const file = join(repo.scratch, 'setups');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const writes = (n: number, verify = 'npm test') =>
  Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    title: `write ${i}`,
    run: `echo ${i} > out-${i}.txt`,
    verify,
  }));

describe('worktrees on a repository with an npm dependency tree', () => {
  it('without setup or link, verify fails with 127 and the failure says why', async () => {
    const repo = await npmRepo('version: 1\n');
    await repo.plan('bare', writes(1), { defaults: { retries: 0 } });
    const result = await repo.cli(['execute', 'bare', '--mode', 'agents']);
    expect(result.code).toBe(1);
    const status = JSON.parse((await repo.cli(['status', 'bare', '--json'])).stdout);
    const reason: string = status.tasks[0].reason;
    expect(reason).toContain('verify `npm test` exited with 127');
    expect(reason).toContain('greet: not found');
    expect(reason).toContain(
      'are dependencies installed in the worktree? see worktrees.link / worktrees.setup',
    );
  });

  it('link: node_modules makes verify pass in every slot and nothing under node_modules lands', async () => {
    const repo = await npmRepo('worktrees: { link: [node_modules] }\n');
    await repo.plan('linked', writes(3));
    const result = await repo.cli(['execute', 'linked', '--mode', 'agents', '--concurrency', '3']);
    expect(result.code, result.stderr).toBe(0);
    const tree = await repo.tree('milestone/linked');
    expect(tree).toEqual(expect.arrayContaining(['out-0.txt', 'out-1.txt', 'out-2.txt']));
    expect(tree.filter((p) => p.startsWith('node_modules'))).toEqual([]);
    // The slots hold a symlink to the main checkout's node_modules, not a copy.
    const slots = slotDirs(repo);
    expect(slots.length).toBeGreaterThanOrEqual(1);
    for (const slot of slots) expect(lstatSync(join(slot, 'node_modules')).isSymbolicLink()).toBe(true);
  });

  it('copy accepts a folder: node_modules copied into the slot, verify passes, nothing of it lands', async () => {
    const repo = await npmRepo('worktrees: { copy: [node_modules] }\n');
    await repo.plan('copied', writes(1));
    const result = await repo.cli(['execute', 'copied', '--mode', 'agents']);
    expect(result.code, result.stderr).toBe(0);
    expect((await repo.tree('milestone/copied')).filter((p) => p.startsWith('node_modules'))).toEqual([]);
    const [slot] = slotDirs(repo);
    expect(lstatSync(join(slot!, 'node_modules')).isDirectory()).toBe(true);
    expect(existsSync(join(slot!, 'node_modules/greet/bin.js'))).toBe(true);
  });

  it('a missing link or copy source is an error, not silently skipped', async () => {
    const repo = await npmRepo('worktrees: { copy: [.env] }\n');
    await repo.plan('missing', writes(1, 'true'));
    const result = await repo.cli(['execute', 'missing', '--mode', 'agents']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('.env');
    expect(result.stderr).toContain('worktrees.copy');
  });

  it('a setup that fails once is run again on the next attempt, and its output has its own header', async () => {
    // Fails the first time it runs (no marker yet), then installs for real.
    const setup =
      'echo run >> "$SCRATCH/setups"; if [ ! -f "$SCRATCH/failed-once" ]; then touch "$SCRATCH/failed-once"; echo "registry unreachable" >&2; exit 7; fi; npm ci --offline --no-audit --no-fund';
    const repo = await npmRepo(`worktrees: { setup: ${JSON.stringify(setup)} }\n`);
    await repo.plan('flaky', writes(1), { defaults: { retries: 1 } });
    const result = await repo.cli(['execute', 'flaky', '--mode', 'agents', '--concurrency', '1']);
    expect(result.code, result.stderr).toBe(0);
    expect(setups(repo)).toHaveLength(2);
    const status = JSON.parse((await repo.cli(['status', 'flaky', '--json'])).stdout);
    expect(status.tasks[0].attempts).toBe(2);
    const log = readFileSync(findLog(repo.root, 'flaky', 't0', 1), 'utf8');
    expect(log).toMatch(/--- milestone: worktree setup `.*` in .* ---/);
    expect(log).toContain('registry unreachable');
    expect(log).toContain('--- milestone: worktree setup failed');
    expect((await repo.tree('milestone/flaky')).filter((p) => p.startsWith('node_modules'))).toEqual([]);
  });

  it('a setup that keeps failing fails the task with the setup reason, not a verify 127', async () => {
    const repo = await npmRepo('worktrees: { setup: "echo no network >&2; exit 3" }\n');
    await repo.plan('broken', writes(1), { defaults: { retries: 1 } });
    const result = await repo.cli(['execute', 'broken', '--mode', 'agents']);
    expect(result.code).toBe(1);
    const status = JSON.parse((await repo.cli(['status', 'broken', '--json'])).stdout);
    expect(status.tasks[0].attempts).toBe(2);
    expect(status.tasks[0].reason).toContain('worktree setup `echo no network >&2; exit 3` exited with 3');
    expect(status.tasks[0].reason).toContain('no network');
    expect(status.tasks[0].reason).not.toContain('verify');
  });

  it('MILESTONE_SLOT differs between concurrent tasks, and every step sees the MILESTONE_* variables', async () => {
    const repo = await npmRepo(
      'worktrees: { link: [node_modules], setup: "echo $MILESTONE_SLOT $MILESTONE_TASK_ID >> $SCRATCH/setups" }\n',
    );
    // Each task waits until all three have started, so they surely run at the same time.
    const barrier =
      'touch "$SCRATCH/started-$MILESTONE_TASK_ID"; i=0; while [ "$(ls "$SCRATCH" | grep -c started-)" -lt 3 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done';
    const tasks = ['a', 'b', 'c'].map((id) => ({
      id,
      title: `task ${id}`,
      run: `${barrier}; echo "$MILESTONE_SLOT $MILESTONE_ID $MILESTONE_TASK_ID $MILESTONE_PHASE $MILESTONE_ATTEMPT $MILESTONE_REPO_ROOT $MILESTONE_WORKTREE" > "$SCRATCH/run-$MILESTONE_TASK_ID"; echo ${id} > ${id}.txt`,
      verify: `echo "$MILESTONE_SLOT $MILESTONE_TASK_ID" > "$SCRATCH/verify-$MILESTONE_TASK_ID"; printf '%s\\n' {files} > "$SCRATCH/files-$MILESTONE_TASK_ID"; npm test`,
    }));
    await repo.plan('slots', tasks);
    const result = await repo.cli(['execute', 'slots', '--mode', 'agents', '--concurrency', '3']);
    expect(result.code, result.stderr).toBe(0);
    const runs = ['a', 'b', 'c'].map((id) =>
      readFileSync(join(repo.scratch, `run-${id}`), 'utf8')
        .trim()
        .split(' '),
    );
    expect(new Set(runs.map((r) => r[0])).size).toBe(3);
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      const [slot, milestoneId, taskId, phase, attempt, repoRoot, worktree] = runs[i]!;
      expect([milestoneId, taskId, phase, attempt, repoRoot]).toEqual([
        'slots',
        id,
        'execute',
        '1',
        repo.root,
      ]);
      expect(worktree).toMatch(new RegExp(`_slot-${slot}$`));
      expect(readFileSync(join(repo.scratch, `verify-${id}`), 'utf8').trim()).toBe(`${slot} ${id}`);
      // {files}: what the task changed, not the linked node_modules.
      expect(readFileSync(join(repo.scratch, `files-${id}`), 'utf8').trim()).toBe(`${id}.txt`);
    }
    expect(
      setups(repo)
        .map((line) => line.split(' ')[0])
        .sort(),
    ).toEqual(runs.map((r) => r[0]).sort());
  });

  it('a second run reuses the slots without running setup again; a lockfile change reruns it once', async () => {
    const repo = await npmRepo(
      'worktrees: { setup: "npm ci --offline --no-audit --no-fund && echo $MILESTONE_SLOT >> $SCRATCH/setups" }\n',
    );
    await repo.plan('first', writes(1));
    expect((await repo.cli(['execute', 'first', '--mode', 'agents'])).code).toBe(0);
    expect(setups(repo)).toEqual(['1']);
    // The slot stays, with what setup installed, and is not on any task branch.
    const [slot] = slotDirs(repo);
    expect(existsSync(join(slot!, 'node_modules/greet/bin.js'))).toBe(true);
    expect(await git(slot!, 'status', '--porcelain')).toBe('');

    await repo.plan('second', writes(1));
    const second = await repo.cli(['execute', 'second', '--mode', 'agents']);
    expect(second.code, second.stderr).toBe(0);
    expect(setups(repo)).toEqual(['1']);
    expect((await repo.tree('milestone/second')).filter((p) => p.startsWith('node_modules'))).toEqual([]);

    // A change of the lockfile on the base: the slot is set up again, once.
    const lock = join(repo.root, 'package-lock.json');
    writeFileSync(lock, `${readFileSync(lock, 'utf8').trimEnd()}\n\n`);
    await git(repo.root, 'commit', '-q', '-am', 'touch the lockfile');
    await repo.plan('third', writes(1));
    expect((await repo.cli(['execute', 'third', '--mode', 'agents'])).code).toBe(0);
    await repo.plan('fourth', writes(1));
    expect((await repo.cli(['execute', 'fourth', '--mode', 'agents'])).code).toBe(0);
    expect(setups(repo)).toEqual(['1', '1']);
  });
});

function slotDirs(repo: NpmRepo): string[] {
  const base = join(repo.stateHome, 'milestone', 'worktrees');
  return readdirSync(base).flatMap((repoDir) => {
    const dir = join(base, repoDir, '_slots');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => /^_slot-\d+$/.test(name))
          .map((name) => join(dir, name))
      : [];
  });
}

function findLog(root: string, id: string, task: string, attempt: number): string {
  return join(root, '.milestones', '.local', 'logs', id, task, `attempt-${attempt}.log`);
}
