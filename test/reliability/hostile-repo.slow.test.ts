import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptySlotRecord } from '../../src/engine/slot-record.js';
import { prepareSlot } from '../../src/engine/slot-setup.js';
import { asyncRepo, gitA, milestoneAsync, runAsync } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';

const plan = (run: string) => ({
  version: 1,
  milestone: 'Hostile',
  id: 'hostile',
  defaults: { retries: 0 },
  tasks: [{ id: 'write', title: 'write', run }],
});

describe('a worktree holding a symlink that points outside it', () => {
  it('refuses the task before the agent runs, so nothing is written through the link', async () => {
    const outside = tempDir('milestone-outside-');
    const repo = await asyncRepo();
    symlinkSync(outside, join(repo.root, 'out'));
    await gitA(repo.root, 'add', '-A');
    await gitA(repo.root, 'commit', '-qm', 'a link out');
    expect((await repo.plan(plan('echo pwned > out/file.txt'))).code).toBe(0);
    const run = await repo.run(['execute', 'hostile', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(1);
    expect(existsSync(join(outside, 'file.txt'))).toBe(false);
    const task = (await repo.status('hostile')).tasks[0]!;
    expect(task).toMatchObject({ status: 'failed', attempts: 1, merged: false });
    expect(task.reason).toContain(
      `sandbox: the worktree holds symlinks that point outside it ("out" -> ${JSON.stringify(outside)})`,
    );
  });

  it('lets links that stay inside the worktree be', async () => {
    const repo = await asyncRepo({ 'docs/guide.md': 'guide\n' });
    symlinkSync('docs/guide.md', join(repo.root, 'GUIDE.md'));
    await gitA(repo.root, 'add', '-A');
    await gitA(repo.root, 'commit', '-qm', 'a link in');
    expect((await repo.plan(plan('cat GUIDE.md > copy.md'))).code).toBe(0);
    const run = await repo.run(['execute', 'hostile', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    expect(await gitA(repo.root, 'show', 'milestone/hostile:copy.md')).toBe('guide');
  });

  it("milestone's own copies into a slot never go through a symlinked folder", async () => {
    const outside = tempDir('milestone-outside-');
    const main = tempDir('milestone-main-');
    writeFiles(main, { 'cfg/app.env': 'SECRET=main\n' });
    const slot = tempDir('milestone-slot-');
    symlinkSync(outside, join(slot, 'cfg'));
    const preparation = await prepareSlot(
      main,
      slot,
      { setup: null, copy: ['cfg/app.env'], link: [], key: null },
      emptySlotRecord(new Date()),
      { logFile: join(tempDir(), 'a.log'), signal: new AbortController().signal, timeoutMs: 10_000, env: {} },
    );
    expect(preparation.error).toBe(
      'worktrees: "cfg/app.env" is below the symlink "cfg"; milestone does not write through links in a worktree',
    );
    expect(existsSync(join(outside, 'app.env'))).toBe(false);
  });

  it('replaces a tracked symlink that a copy lands on instead of writing through it', async () => {
    const outside = tempDir('milestone-outside-');
    writeFiles(outside, { 'victim.txt': 'untouched\n' });
    const main = tempDir('milestone-main-');
    writeFiles(main, { '.env': 'A=1\n' });
    const slot = tempDir('milestone-slot-');
    symlinkSync(join(outside, 'victim.txt'), join(slot, '.env'));
    const preparation = await prepareSlot(
      main,
      slot,
      { setup: null, copy: ['.env'], link: [], key: null },
      emptySlotRecord(new Date()),
      { logFile: join(tempDir(), 'a.log'), signal: new AbortController().signal, timeoutMs: 10_000, env: {} },
    );
    expect(preparation.error).toBeNull();
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('untouched\n');
    expect(readFileSync(join(slot, '.env'), 'utf8')).toBe('A=1\n');
  });
});

describe.skipIf(process.getuid?.() !== 0)('state folders another user could change', () => {
  async function refused(
    setup: (repo: Awaited<ReturnType<typeof asyncRepo>>) => void,
    message: RegExp,
  ): Promise<void> {
    const repo = await asyncRepo();
    expect((await repo.plan(plan('echo hi > hi.txt'))).code).toBe(0);
    await setup(repo);
    const before = await gitA(repo.root, 'for-each-ref');
    const result = await repo.run(['execute', 'hostile']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    // Nothing changed: no branch made, no task ran.
    expect(await gitA(repo.root, 'for-each-ref')).toBe(before);
  }

  it('refuses a world-writable .milestones/ and says chmod o-w', async () => {
    await refused(
      (repo) => chmodSync(join(repo.root, '.milestones'), 0o777),
      /\.milestones is writable by every user \(mode 777\); another user could plant files in it\. Fix: chmod o-w \S+\.milestones/,
    );
  });

  it('refuses a store folder owned by another user (nobody) and says chown', async () => {
    await refused(
      (repo) => chownSync(join(repo.root, '.milestones', '.local'), 65534, 65534),
      /\.milestones\/\.local belongs to uid 65534, not to you \(uid 0\); .* Fix: chown -R 0 /,
    );
  });

  it('refuses a store folder that is a symlink', async () => {
    const elsewhere = tempDir('milestone-elsewhere-');
    await refused(async (repo) => {
      const store = join(repo.root, '.milestones', '.local');
      await runAsync('mv', [store, join(elsewhere, 'store')], { cwd: '/' });
      symlinkSync(join(elsewhere, 'store'), store);
    }, /\.milestones\/\.local is a symlink \(to .*\); milestone does not follow links for its state/);
  });
});

describe('file names with newlines, quotes and non-UTF-8 bytes', () => {
  it('land as they are and show in the phase record, task output and report', async () => {
    const repo = await asyncRepo();
    // printf makes the names: a newline, both quotes, a backslash and the byte 0xff.
    const run = `printf 'x' > "$(printf 'new\\nline.txt')"; printf 'x' > "q'uo\\"te.txt"; printf 'x' > "$(printf 'bad\\377name.txt')"; ls`;
    expect((await repo.plan(plan(run))).code).toBe(0);
    const executed = await repo.run(['execute', 'hostile', '--mode', 'agents']);
    expect(executed.code, executed.stderr).toBe(0);
    const tree = await runAsync('git', ['ls-tree', '-r', '-z', '--name-only', 'milestone/hostile'], {
      cwd: repo.root,
    });
    const names = tree.stdout.split('\0');
    expect(names).toContain('new\nline.txt');
    expect(names).toContain('q\'uo"te.txt');
    // The raw byte survives in git (the test reads it back as bytes).
    const raw = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const child = spawn('git', ['ls-tree', '-r', '-z', '--name-only', 'milestone/hostile'], {
        cwd: repo.root,
      });
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.on('close', () => resolve(Buffer.concat(chunks)));
    });
    expect(raw.includes(Buffer.from([0x62, 0x61, 0x64, 0xff, 0x6e]))).toBe(true);
    const record = JSON.parse(
      await gitA(repo.root, 'show', 'milestone/hostile:.milestones/hostile/phases/execute.json'),
    ) as { deliverables: string[] };
    expect(record.deliverables).toContain('new\nline.txt');
    expect(record.deliverables).toContain('q\'uo"te.txt');
    expect(record.deliverables.some((d) => d.startsWith('bad') && d.endsWith('name.txt'))).toBe(true);
    const report = await repo.run(['report', 'hostile']);
    expect(report.code, report.stderr).toBe(0);
    expect((await repo.status('hostile')).status).toBe('completed');
  });
});

/**
 * Adds `lib` as the submodule `vendor/lib` and commits; returns the environment that lets git
 * use local (file) URLs for submodules, which it refuses unless asked (CVE-2022-39253).
 */
async function withSubmodule(root: string, lib: string): Promise<Record<string, string>> {
  const config = join(tempDir(), 'gitconfig');
  writeFiles(dirname(config), { gitconfig: '[protocol "file"]\n\tallow = always\n' });
  const env = { GIT_CONFIG_GLOBAL: config };
  const added = await runAsync('git', ['submodule', 'add', '-q', lib, 'vendor/lib'], { cwd: root, env });
  expect(added.code, added.stderr).toBe(0);
  await gitA(root, 'commit', '-qm', 'a submodule');
  return env;
}

describe('unusual clones', () => {
  it('runs a milestone in a shallow clone (depth 1) and finishes it', async () => {
    const origin = await asyncRepo({ 'a.txt': 'a\n' });
    writeFiles(origin.root, { 'b.txt': 'b\n' });
    await gitA(origin.root, 'add', '-A');
    await gitA(origin.root, 'commit', '-qm', 'second');
    const clone = join(tempDir('milestone-shallow-'), 'clone');
    await gitA(origin.root, 'clone', '-q', '--depth', '1', `file://${origin.root}`, clone);
    expect(await gitA(clone, 'rev-parse', '--is-shallow-repository')).toBe('true');
    await gitA(clone, 'config', 'user.name', 'Test Author');
    await gitA(clone, 'config', 'user.email', 'test@example.invalid');
    writeFiles(clone, { 'plan.yaml': JSON.stringify(plan('echo hi > hi.txt')) });
    const env = origin.env;
    const cli = (args: string[]) => milestoneAsync(clone, args, env);
    expect((await cli(['plan', '--from', 'plan.yaml'])).code).toBe(0);
    const run = await cli(['execute', 'hostile', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    const finish = await cli(['finish', 'hostile']);
    expect(finish.code, finish.stderr).toBe(0);
    expect(await gitA(clone, 'show', 'main:hi.txt')).toBe('hi');
  });

  it('initialises submodules in task worktrees', async () => {
    const lib = await asyncRepo({ 'lib.txt': 'from the submodule\n' });
    const repo = await asyncRepo();
    Object.assign(repo.env, await withSubmodule(repo.root, lib.root));
    expect((await repo.plan(plan('cat vendor/lib/lib.txt > copied.txt'))).code).toBe(0);
    const run = await repo.run(['execute', 'hostile', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    expect(await gitA(repo.root, 'show', 'milestone/hostile:copied.txt')).toBe('from the submodule');
  });

  it('refuses clearly when a submodule cannot be fetched', async () => {
    const lib = await asyncRepo({ 'lib.txt': 'x\n' });
    const repo = await asyncRepo();
    Object.assign(repo.env, await withSubmodule(repo.root, lib.root));
    // The URL the repository knows now leads nowhere.
    await gitA(repo.root, 'config', 'submodule.vendor/lib.url', join(tempDir(), 'gone'));
    expect((await repo.plan(plan('echo hi > hi.txt'))).code).toBe(0);
    const run = await repo.run(['execute', 'hostile', '--mode', 'agents']);
    expect(run.code).toBe(1);
    const task = (await repo.status('hostile')).tasks[0]!;
    expect(task.reason).toContain('worktree submodules: `git submodule update --init --recursive` failed');
  });
});

const hasLfs = (await runAsync('git', ['lfs', 'version'], { cwd: '/' })).code === 0;

describe.skipIf(!hasLfs)('Git LFS files', () => {
  async function lfsRepo(): Promise<Awaited<ReturnType<typeof asyncRepo>>> {
    const repo = await asyncRepo();
    await gitA(repo.root, 'lfs', 'install', '--local');
    await gitA(repo.root, 'lfs', 'track', '*.bin');
    writeFiles(repo.root, { 'data.bin': 'binary content '.repeat(1000) });
    await gitA(repo.root, 'add', '-A');
    await gitA(repo.root, 'commit', '-qm', 'an LFS file');
    return repo;
  }

  it('gives the task the content and commits no change to the pointer it did not touch', async () => {
    const repo = await lfsRepo();
    const pointer = await gitA(repo.root, 'rev-parse', 'HEAD:data.bin');
    expect((await repo.plan(plan('wc -c < data.bin > size.txt'))).code).toBe(0);
    const run = await repo.run(['execute', 'hostile', '--mode', 'agents']);
    expect(run.code, run.stderr).toBe(0);
    // The agent saw the real file (15,000 bytes), not the ~130-byte pointer.
    expect((await gitA(repo.root, 'show', 'milestone/hostile:size.txt')).trim()).toBe('15000');
    expect(await gitA(repo.root, 'rev-parse', 'milestone/hostile:data.bin')).toBe(pointer);
    const changed = await gitA(repo.root, 'diff', '--name-only', 'main', 'milestone/hostile');
    expect(changed.split('\n')).not.toContain('data.bin');
  });

  it('refuses clearly, before making a worktree, where git-lfs is not installed', async () => {
    const repo = await lfsRepo();
    expect((await repo.plan(plan('echo hi > hi.txt'))).code).toBe(0);
    // A PATH with git and sh but no git-lfs.
    const bin = tempDir('milestone-nolfs-');
    for (const tool of ['git', 'sh']) {
      const found = (await runAsync('/bin/sh', ['-c', `command -v ${tool}`], { cwd: bin })).stdout.trim();
      symlinkSync(found, join(bin, tool));
    }
    const run = await repo.run(['execute', 'hostile', '--mode', 'agents'], { env: { PATH: bin } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /uses Git LFS \(filter=lfs in \.gitattributes at [0-9a-f]{12}\) but git-lfs is not installed/,
    );
    const slots = join(repo.worktreesDir);
    const made = existsSync(slots) ? readdirSync(slots, { recursive: true }).map(String) : [];
    expect(made.filter((p) => /_slot-\d+$/.test(p))).toEqual([]);
  });
});
