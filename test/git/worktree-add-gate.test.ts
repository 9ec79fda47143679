import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorktreePool } from '../../src/engine/worktree-pool.js';
import { gitExec } from '../../src/git/git-exec.js';
import { addingWorktree, walkingAllHeads } from '../../src/git/worktree-add-gate.js';
import { git, gitRepo, tempDir, writeFiles } from '../helpers/git-repo.js';

const SETUP = { setup: null, copy: [], link: [], key: null, keep: 16 };
const options = () => ({
  logFile: `${tempDir()}/log`,
  signal: new AbortController().signal,
  timeoutMs: 60_000,
  env: {},
});

/** A step the test finishes by hand, recording when it ran. */
function step(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const run = async () => {
    log.push(`${name} in`);
    await done;
    log.push(`${name} out`);
  };
  return { run, finish };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('worktree adds and fetches of one repository', () => {
  it('never overlap: adds run together, a fetch waits for them, and an add arriving behind a waiting fetch goes after it', async () => {
    const log: string[] = [];
    const [a1, a2, w1, a3] = ['add 1', 'add 2', 'fetch 1', 'add 3'].map((name) => step(log, name));
    const running = [
      addingWorktree('/repo', a1!.run),
      addingWorktree('/repo', a2!.run),
      walkingAllHeads('/repo', w1!.run),
      addingWorktree('/repo', a3!.run),
    ];
    await turn();
    expect(log).toEqual(['add 1 in', 'add 2 in']);
    a1!.finish();
    await turn();
    expect(log).toEqual(['add 1 in', 'add 2 in', 'add 1 out']);
    a2!.finish();
    await turn();
    expect(log.slice(3)).toEqual(['add 2 out', 'fetch 1 in']);
    w1!.finish();
    await turn();
    expect(log.slice(5)).toEqual(['fetch 1 out', 'add 3 in']);
    a3!.finish();
    await Promise.all(running);
    // Another repository is not held up by this one.
    const other = step(log, 'other fetch');
    const held = step(log, 'add 4');
    const add = addingWorktree('/repo', held.run);
    const fetch = walkingAllHeads('/elsewhere', other.run);
    await turn();
    expect(log.slice(-2)).toEqual(['add 4 in', 'other fetch in']);
    held.finish();
    other.finish();
    await Promise.all([add, fetch]);
  });

  it('a failed step lets the other kind in', async () => {
    await expect(
      addingWorktree('/repo', async () => {
        throw new Error('worktree add failed');
      }),
    ).rejects.toThrow('worktree add failed');
    await expect(walkingAllHeads('/repo', async () => 'fetched')).resolves.toBe('fetched');
  });

  it('with real git: fetches while the pool adds slots all succeed (git would read a new slot’s unset HEAD)', async () => {
    const { repo, head } = await repoWithRemoteBranches(12);
    const pool = new WorktreePool(repo, tempDir(), SETUP);
    try {
      const adds = Array.from({ length: 8 }, () => pool.acquire(null, head, options()));
      const fetches = (async () => {
        for (let i = 0; i < 12; i++) await walkingAllHeads(repo, () => fetchBranch(repo, i));
      })();
      const slots = await Promise.all(adds);
      await fetches;
      expect(new Set(slots.map((s) => s.slot)).size).toBe(8);
      expect(await git(repo, 'log', '--format=%s', '-1', 'origin/r11')).toBe('c11');
    } finally {
      await pool.close();
    }
  });

  it('with real git: a fetch that read the HEAD another process was adding runs again once that HEAD is set', async () => {
    const { repo } = await repoWithRemoteBranches(1);
    // Another process's `git worktree add`, caught where it wrote the new HEAD as zeros.
    const unset = await worktreeOfAnotherProcess(repo);
    let tries = 0;
    await walkingAllHeads(repo, async () => {
      tries++;
      try {
        return await fetchBranch(repo, 0);
      } finally {
        // Meanwhile the other process's add set the HEAD.
        unset.finish();
      }
    });
    expect(tries).toBe(2);
    expect(await git(repo, 'log', '--format=%s', '-1', 'origin/r0')).toBe('c0');
  });

  it('with real git: a HEAD that stays unset fails the fetch with git’s words after a few tries; other failures are not tried again', async () => {
    const { repo } = await repoWithRemoteBranches(1);
    await worktreeOfAnotherProcess(repo);
    let tries = 0;
    const fetch = walkingAllHeads(repo, () => {
      tries++;
      return fetchBranch(repo, 0);
    });
    await expect(fetch).rejects.toThrow(/bad object worktrees\/other\/HEAD/);
    expect(tries).toBe(5);
    tries = 0;
    const missing = walkingAllHeads(repo, () => {
      tries++;
      return gitExec(repo, ['fetch', '-q', 'origin', 'refs/heads/nowhere']);
    });
    await expect(missing).rejects.toThrow(/nowhere/);
    expect(tries).toBe(1);
  });
});

/**
 * A repository whose remote `origin` has `count` new commits `c<i>`, each under its own branch
 * `r<i>`: every fetch of one brings objects (and runs git's connectivity check).
 */
async function repoWithRemoteBranches(count: number): Promise<{ repo: string; head: string }> {
  const origin = tempDir('milestone-origin-');
  await git(origin, 'init', '-q', '--bare');
  const repo = await gitRepo({ files: { 'a.txt': 'a' } });
  await git(repo, 'remote', 'add', 'origin', origin);
  const head = await git(repo, 'rev-parse', 'HEAD');
  const work = tempDir();
  await git(work, 'clone', '-q', origin, '.');
  for (let i = 0; i < count; i++) {
    writeFiles(work, { [`f${i}.txt`]: String(i) });
    await git(work, 'add', '-A');
    await git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', `c${i}`);
    await git(work, 'push', '-q', 'origin', `HEAD:refs/heads/r${i}`);
  }
  return { repo, head };
}

const fetchBranch = (repo: string, i: number) =>
  gitExec(repo, ['fetch', '--no-tags', '-q', 'origin', `refs/heads/r${i}:refs/remotes/origin/r${i}`]);

/**
 * A worktree `other` of `repo` as another process's `git worktree add` leaves it for a moment:
 * its HEAD written as forty zeros (git's builtin/worktree.c); `finish` sets the real commit.
 */
async function worktreeOfAnotherProcess(repo: string): Promise<{ finish: () => void }> {
  await git(repo, 'worktree', 'add', '-q', '--detach', join(tempDir(), 'other'), 'HEAD');
  const headFile = join(repo, '.git', 'worktrees', 'other', 'HEAD');
  const commit = readFileSync(headFile, 'utf8');
  writeFileSync(headFile, `${'0'.repeat(40)}\n`);
  return { finish: () => writeFileSync(headFile, commit) };
}
