import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
