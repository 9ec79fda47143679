import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorktreePool } from '../../src/engine/worktree-pool.js';
import { git, gitRepo, tempDir } from '../helpers/git-repo.js';

const SETUP = { setup: null, copy: [], link: [], key: null, keep: 8 };
const options = () => ({
  logFile: `${tempDir()}/log`,
  signal: new AbortController().signal,
  timeoutMs: 60_000,
  env: {},
});
/** A commit id no repository here has: `git worktree add` and `checkout` fail on it. */
const MISSING = 'f'.repeat(40);

describe('a worktree slot git could not make or switch', () => {
  it('is let go: the next acquire makes or reuses it under the same number, and nothing stays locked', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    const head = await git(repo, 'rev-parse', 'HEAD');
    const pool = new WorktreePool(repo, tempDir(), SETUP);
    try {
      // A new slot whose `git worktree add` fails (git cannot write its worktrees folder): git's
      // words come through, and once the cause is gone the same place is made.
      writeFileSync(join(repo, '.git', 'worktrees'), 'in the way');
      await expect(pool.acquire('t/one', head, options())).rejects.toThrow(
        /git worktree add .*_slot-1 [0-9a-f]{40} failed \(exit 128\) in .*: fatal: /,
      );
      rmSync(join(repo, '.git', 'worktrees'));
      const first = await pool.acquire('t/one', head, options());
      expect(first.slot).toBe(1);
      expect(first.reused).toBe(false);
      const slots = dirname(first.path);
      await pool.release(first.path, { detach: true });

      // A used slot whose checkout fails: let go, then taken again and switched for real.
      await expect(pool.acquire('t/two', MISSING, options())).rejects.toThrow(/git /);
      expect(existsSync(`${first.path}.lock`)).toBe(false);
      const again = await pool.acquire('t/two', head, options());
      expect(again.slot).toBe(1);
      expect(again.reused).toBe(true);
      expect(await git(again.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('t/two');
      expect(readdirSync(slots).filter((n) => /^_slot-\d+$/.test(n))).toEqual(['_slot-1']);
      await pool.release(again.path, { detach: true });
    } finally {
      await pool.close();
    }
  });

  it('a slot whose worktree git has locked (an add still running for a killed run, or a person’s lock) is neither reused nor made anew', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    const head = await git(repo, 'rev-parse', 'HEAD');
    const root = tempDir();
    const earlier = new WorktreePool(repo, root, SETUP);
    const first = await earlier.acquire('t/one', head, options());
    await earlier.release(first.path, { detach: true });
    await earlier.close();
    // As `git worktree add` leaves the worktree until its checkout is done.
    const admin = /^gitdir: (.+)$/m.exec(readFileSync(join(first.path, '.git'), 'utf8'))![1]!;
    writeFileSync(join(admin, 'locked'), 'initializing');
    writeFileSync(join(first.path, 'being-checked-out.txt'), 'the add is not done');
    const pool = new WorktreePool(repo, root, SETUP);
    try {
      const slot = await pool.acquire('t/two', head, options());
      expect(slot.slot).toBe(2);
      expect(slot.reused).toBe(false);
      // The locked one is as the add leaves it, and no lock of this run is on it.
      expect(readFileSync(join(first.path, 'being-checked-out.txt'), 'utf8')).toBe('the add is not done');
      expect(existsSync(`${first.path}.lock`)).toBe(false);
      // Once git unlocks it (the add finished), it is taken again.
      rmSync(join(admin, 'locked'));
      const again = await pool.acquire('t/three', head, options());
      expect(again.slot).toBe(1);
      expect(again.reused).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('pruning slots beyond keep', () => {
  it('leaves a slot git has locked (an add still making it) where it is, its files untouched, and prunes it once unlocked', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    const head = await git(repo, 'rev-parse', 'HEAD');
    const root = tempDir();
    const earlier = new WorktreePool(repo, root, SETUP);
    const [one, two] = await Promise.all([
      earlier.acquire('t/one', head, options()),
      earlier.acquire('t/two', head, options()),
    ]);
    for (const slot of [one!, two!]) await earlier.release(slot.path, { detach: true });
    await earlier.close();
    // As `git worktree add` leaves a worktree until its checkout is done.
    const admin = /^gitdir: (.+)$/m.exec(readFileSync(join(one!.path, '.git'), 'utf8'))![1]!;
    writeFileSync(join(admin, 'locked'), 'initializing');
    writeFileSync(join(one!.path, 'being-checked-out.txt'), 'the add is not done');
    const headBefore = readFileSync(join(admin, 'HEAD'), 'utf8');
    // keep: 0 prunes every slot it may: only the one git has not locked goes.
    const { removing } = await new WorktreePool(repo, root, { ...SETUP, keep: 0 }).close();
    expect(removing).toEqual([two!.path]);
    expect(existsSync(two!.path)).toBe(false);
    expect(readFileSync(join(one!.path, 'being-checked-out.txt'), 'utf8')).toBe('the add is not done');
    expect(readFileSync(join(admin, 'HEAD'), 'utf8')).toBe(headBefore);
    expect(existsSync(`${one!.path}.lock`)).toBe(false);
    // Once the add is done (git unlocks it), it is pruned like any other.
    rmSync(join(admin, 'locked'));
    const after = await new WorktreePool(repo, root, { ...SETUP, keep: 0 }).close();
    expect(after.removing).toEqual([one!.path]);
  });
});

describe('the Git LFS check of a long-lived pool (a worker keeps one for its lifetime)', () => {
  it('follows the start point and the PATH at every new slot: LFS added later is refused, a git-lfs installed later is found', async () => {
    const repo = await gitRepo({ files: { 'a.txt': 'a' } });
    const before = await git(repo, 'rev-parse', 'HEAD');
    // A PATH with git and sh but no git-lfs, and a folder where it is installed later.
    const bin = tempDir('milestone-nolfs-');
    for (const tool of ['git', 'sh'])
      symlinkSync(
        execFileSync('/bin/sh', ['-c', `command -v ${tool}`])
          .toString()
          .trim(),
        join(bin, tool),
      );
    const later = tempDir('milestone-later-');
    const saved = { ...process.env };
    process.env.PATH = `${bin}${delimiter}${later}`;
    // No LFS filters from this machine's own git config (a `git lfs install` of its user).
    const global = join(tempDir(), 'gitconfig');
    writeFileSync(global, '');
    Object.assign(process.env, { GIT_CONFIG_GLOBAL: global, GIT_CONFIG_NOSYSTEM: '1' });
    const pool = new WorktreePool(repo, tempDir(), SETUP);
    try {
      const first = await pool.acquire('t/one', before, options());

      // The project gains LFS (a nested .gitattributes) after the pool's first slot.
      mkdirSync(join(repo, 'assets'));
      writeFileSync(join(repo, 'assets', '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      await git(repo, 'add', 'assets/.gitattributes');
      await git(repo, 'commit', '-qm', 'track assets with LFS');
      const after = await git(repo, 'rev-parse', 'HEAD');
      await expect(pool.acquire('t/two', after, options())).rejects.toThrow(
        `${repo} uses Git LFS (filter=lfs in assets/.gitattributes at ${after.slice(0, 12)}) but git-lfs is not installed`,
      );
      // The start point without it still gets a slot.
      const second = await pool.acquire('t/two', before, options());
      await pool.release(second.path, { detach: true });

      // The LFS filters in the git config (`git lfs install`) without git-lfs refuse nothing where
      // no file's attributes name them: git runs no filter for it.
      await git(repo, 'config', 'filter.lfs.process', 'git-lfs filter-process');
      await git(repo, 'config', 'filter.lfs.required', 'true');
      const held = await pool.acquire('t/three', before, options());
      expect(held.reused).toBe(true);
      const fresh = await pool.acquire('t/four', before, options());
      expect(fresh.reused).toBe(false);
      await expect(pool.acquire('t/five', after, options())).rejects.toThrow('git-lfs is not installed');

      // git-lfs installed while the pool lives: the next new slot is made.
      writeFileSync(join(later, 'git-lfs'), '#!/bin/sh\ncat\n', { mode: 0o755 });
      const third = await pool.acquire('t/five', after, options());
      expect(third.reused).toBe(false);
      expect(third.slot).toBe(4);
      expect(await git(third.path, 'rev-parse', 'HEAD')).toBe(after);
      for (const slot of [first, held, fresh, third]) await pool.release(slot.path, { detach: true });
    } finally {
      process.env = saved;
      await pool.close();
    }
  });
});
