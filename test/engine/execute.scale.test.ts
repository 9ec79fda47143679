import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncRepo, gitA } from '../helpers/async-cli.js';

const TASKS = 2000;

describe('execute at scale', () => {
  it(`lands a ${TASKS.toLocaleString('en-US')}-task milestone end to end, every task exactly once`, async () => {
    const repo = await asyncRepo();
    const tasks = Array.from({ length: TASKS }, (_, i) => ({
      id: `t${i}`,
      title: `no-op ${i}`,
      run: `echo ${i} > out-${i}.txt`,
    }));
    // JSON plan: the same document `plan --from` reads as YAML, parsed faster at this size.
    writeFileSync(
      join(repo.root, 'plan.json'),
      JSON.stringify({ version: 1, milestone: 'Scale', id: 'scale', defaults: { retries: 0 }, tasks }),
    );
    const planned = await repo.run(['plan', '--from', 'plan.json']);
    expect(planned.code, planned.stderr).toBe(0);

    const run = await repo.run(['execute', 'scale', '--mode', 'agents', '--concurrency', '4']);
    expect(run.code, run.stderr).toBe(0);

    const status = await repo.status('scale');
    expect(status.status).toBe('completed');
    expect(status.tasks).toHaveLength(TASKS);
    expect(status.tasks.filter((t) => !(t.merged && t.status === 'succeeded'))).toEqual([]);
    expect(status.tasks.every((t) => t.attempts === 1)).toBe(true);
    // On the branch: one merge commit per task, no task twice, and every task's file.
    const merged = (
      await gitA(
        repo.root,
        'log',
        '--format=%(trailers:key=Task-Id,valueonly)',
        '--merges',
        'milestone/scale',
      )
    )
      .split('\n')
      .filter(Boolean);
    expect(merged).toHaveLength(TASKS);
    expect(new Set(merged).size).toBe(TASKS);
    const files = (await gitA(repo.root, 'ls-tree', '--name-only', 'milestone/scale')).split('\n');
    expect(files.filter((f) => /^out-\d+\.txt$/.test(f))).toHaveLength(TASKS);
  });
});
