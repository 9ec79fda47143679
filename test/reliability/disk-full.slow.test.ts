import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { asyncRepo, gitA, runAsync } from '../helpers/async-cli.js';
import { tempDir, writeFiles } from '../helpers/git-repo.js';

const mounts: string[] = [];
afterEach(async () => {
  for (const dir of mounts.splice(0)) await runAsync('umount', [dir], { cwd: '/' });
});

/** Mounts a small tmpfs at `dir` (root only); false where the machine does not allow it. */
async function smallDisk(dir: string, size: string): Promise<boolean> {
  mkdirSync(dir, { recursive: true });
  const result = await runAsync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {
    cwd: '/',
  });
  if (result.code === 0) mounts.push(dir);
  return result.code === 0;
}

/** Probed once at collection time, in a private folder: can this process mount a tmpfs? */
async function probeMount(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'milestone-mount-probe-'));
  try {
    const ok =
      (await runAsync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { cwd: '/' })).code === 0;
    if (ok) await runAsync('umount', [probe], { cwd: '/' });
    return ok;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const canMount = await probeMount();

describe.skipIf(!canMount)('the store disk fills up mid-run (an 8 MB tmpfs)', () => {
  it('stops with a clear message, keeps the store sound, records no landing that did not happen, and resumes once space is freed', async () => {
    const repo = await asyncRepo();
    const storeDir = join(repo.root, '.milestones', '.local');
    // Room for the store and its WAL once the filler is gone: the resume must not run short itself.
    expect(await smallDisk(storeDir, '8m')).toBe(true);
    const fill = join(storeDir, 'fill');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Disk full',
      id: 'full',
      defaults: { retries: 0 },
      tasks: [
        { id: 'one', title: 'one', run: 'echo one > one.txt' },
        // Fills the store's disk while it runs, as a big log or another program would.
        {
          id: 'two',
          title: 'two',
          needs: ['one'],
          run: `head -c 16M /dev/zero > '${fill}' 2>/dev/null; echo two > two.txt`,
        },
        { id: 'three', title: 'three', needs: ['two'], run: 'echo three > three.txt' },
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);

    const stopped = await repo.run(['execute', 'full', '--mode', 'agents', '--concurrency', '1']);
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain(
      `milestone full stopped: cannot write the store in ${storeDir}: its disk is full`,
    );
    expect(stopped.stderr).toContain('free space there, then run `milestone execute full` to resume');
    expect(stopped.stderr).not.toContain('internal error');

    // The store is sound, and every landing it records is on the branch.
    const db = new Database(join(storeDir, 'store.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    rmSync(fill);
    const status = await repo.status('full');
    expect(status.tasks.find((t) => t.id === 'three')!.merged).toBe(false);
    const landed = (
      await gitA(repo.root, 'log', '--format=%(trailers:key=Task-Id,valueonly)', 'milestone/full')
    )
      .split('\n')
      .filter(Boolean);
    for (const task of status.tasks.filter((t) => t.merged)) expect(landed).toContain(task.id);

    const resumed = await repo.run(['execute', 'full']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await repo.status('full');
    expect(after.status).toBe('completed');
    // First parent: the merge commits, one per landing (the task commits carry the trailer too).
    const trailers = (
      await gitA(
        repo.root,
        'log',
        '--first-parent',
        '--format=%(trailers:key=Task-Id,valueonly)',
        'milestone/full',
      )
    )
      .split('\n')
      .filter(Boolean)
      .sort();
    // Each task's effect exactly once, the one that landed while the disk was full included.
    expect(trailers).toEqual(['one', 'three', 'two']);
  });
});

describe.skipIf(!canMount)('no disk space for a worktree slot (a 2 MB tmpfs as worktrees.dir)', () => {
  it('refuses before making anything, names the space needed and free, exits 1, and the task runs once there is room', async () => {
    const repo = await asyncRepo();
    const disk = join(tempDir('milestone-disk-'), 'worktrees');
    expect(await smallDisk(disk, '2m')).toBe(true);
    // 3 MB of files: more than the whole small disk.
    writeFiles(repo.root, {
      'big.txt': 'x'.repeat(3 * 1024 * 1024),
      '.milestones/config.yaml': `worktrees: { dir: ${JSON.stringify(disk)} }\nlimits: { minFreeMb: 0.5 }\n`,
    });
    await gitA(repo.root, 'add', '-A');
    await gitA(repo.root, 'commit', '-qm', 'big file');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Space',
      id: 'space',
      tasks: [{ id: 'one', title: 'one', run: 'echo one > one.txt' }],
    });
    expect(planned.code, planned.stderr).toBe(0);
    const refused = await repo.run(['execute', 'space', '--mode', 'agents']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /not enough disk space for a new worktree slot in \S+: it needs 3\.5 MB \(checkout 3 MB \+ limits\.minFreeMb 512 KB\), 2 MB is free/,
    );
    expect(refused.stderr).not.toContain('internal error');
    // Nothing half made on that disk: no slot folder, record or lock.
    const made = readdirSync(disk, { recursive: true }).map(String);
    expect(made.filter((p) => /_slot-/.test(p))).toEqual([]);
    const status = await repo.status('space');
    expect(status.tasks[0]).toMatchObject({ id: 'one', merged: false, attempts: expect.any(Number) });
    expect(status.tasks[0]!.status).not.toBe('running');

    // Room again (the config moves worktrees elsewhere): the same milestone runs to the end.
    writeFiles(repo.root, { '.milestones/config.yaml': 'limits: { minFreeMb: 0.5 }\n' });
    const resumed = await repo.run(['execute', 'space']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await repo.status('space')).status).toBe('completed');
  });
});
