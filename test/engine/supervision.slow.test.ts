import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncRepo, gitA } from '../helpers/async-cli.js';
import { tempDir } from '../helpers/git-repo.js';

describe('execute: a task that throws stops the run cleanly', () => {
  it('stops and records every sibling, cleans the pool, names the failure, then resumes', async () => {
    const repo = await asyncRepo();
    const marks = tempDir('milestone-marks-');
    const armed = join(marks, 'armed');
    // A lock file on the milestone branch's ref: git refuses to move it, so landing the first
    // task fails with a real git error in the merge queue while its siblings are running.
    const lock = join(repo.root, '.git', 'refs', 'heads', 'milestone', 'crash.lock');
    const sibling = (n: number) => ({
      id: `s${n}`,
      title: `sibling ${n}`,
      run: `if [ -e '${armed}' ]; then while [ ! -e '${lock}' ]; do sleep 0.05; done; sleep 60; fi; echo ${n} > s${n}.txt`,
    });
    const planned = await repo.plan({
      version: 1,
      milestone: 'Crash',
      id: 'crash',
      defaults: { retries: 0 },
      tasks: [
        {
          id: 'breaker',
          title: 'break the branch ref',
          run: `if [ -e '${armed}' ]; then : > '${lock}'; fi; echo b > b.txt`,
        },
        sibling(1),
        sibling(2),
        sibling(3),
      ],
    });
    expect(planned.code, planned.stderr).toBe(0);
    writeFileSync(armed, '');

    const crashed = await repo.run(['execute', 'crash', '--mode', 'agents', '--concurrency', '4']);
    expect(crashed.code, crashed.stderr).toBe(1);
    expect(crashed.stderr).toContain('task breaker failed with an engine error');
    expect(crashed.stderr).toContain('during the merge of refs/heads/milestone/crash.tasks/breaker');
    expect(crashed.stderr).toMatch(/stopped 3 running task\(s\) \(s\d, s\d, s\d\)/);

    const after = await repo.status('crash');
    expect(after.status).toBe('failed');
    expect(after.coordinator?.alive ?? false).toBe(false);
    const byId = new Map(after.tasks.map((t) => [t.id, t]));
    expect(byId.get('breaker')).toMatchObject({ status: 'failed', merged: false });
    expect(byId.get('breaker')?.reason).toContain('engine error');
    for (const id of ['s1', 's2', 's3']) {
      expect(byId.get(id)).toMatchObject({ status: 'canceled', merged: false });
      expect(byId.get(id)?.reason).toContain('stopped: task breaker failed');
    }
    // The pool was cleaned up in `finally`: no slot is still locked by the dead run.
    const slotsDir = readdirSync(repo.worktreesDir).map((d) => join(repo.worktreesDir, d, '_slots'))[0]!;
    expect(readdirSync(slotsDir).filter((f) => f.endsWith('.lock'))).toEqual([]);

    rmSync(armed);
    rmSync(lock);
    const resumed = await repo.run(['execute', 'crash', '--mode', 'agents', '--concurrency', '4']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = await repo.status('crash');
    expect(done.status).toBe('completed');
    expect(done.tasks.every((t) => t.merged && t.status === 'succeeded')).toBe(true);
    const merges = (await gitA(repo.root, 'log', '--format=%s', 'milestone/crash'))
      .split('\n')
      .filter((s) => s.startsWith('Merge task '));
    expect(merges.sort()).toEqual(
      ['breaker', 's1', 's2', 's3'].map((id) => expect.stringContaining(`Merge task ${id}:`)),
    );
    expect(existsSync(lock)).toBe(false);
  });
});
