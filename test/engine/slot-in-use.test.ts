import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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

describe('pruning slots beyond keep', () => {
  it('leaves a slot a live process works in (a shell a person left there) and prunes it once that is gone', async () => {
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
    // A process whose current folder is inside the slot, as a person's shell `cd`-ed there (not
    // a child of this process: its own idle helpers, the git shells, are not counted).
    const shell = spawn('/bin/sh', ['-c', 'sleep 60; true'], {
      cwd: one!.path,
      stdio: 'ignore',
      detached: true,
    });
    const gone = new Promise((done) => shell.once('exit', done));
    try {
      const { removing } = await new WorktreePool(repo, root, { ...SETUP, keep: 0 }).close();
      expect(removing).toEqual([two!.path]);
      expect(existsSync(one!.path)).toBe(true);
    } finally {
      process.kill(-shell.pid!, 'SIGKILL');
    }
    await gone;
    const after = await new WorktreePool(repo, root, { ...SETUP, keep: 0 }).close();
    expect(after.removing).toEqual([one!.path]);
  });
});
