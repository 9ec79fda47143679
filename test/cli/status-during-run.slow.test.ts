import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { asyncRepo, runAsync } from '../helpers/async-cli.js';
import { CLI } from '../helpers/git-repo.js';

// A whole run of the CLI on a shared 2-core machine: minutes under load, seconds when quiet.
vi.setConfig({ testTimeout: 300_000 });

const BIN = resolve(CLI, '../bin.cjs');
const TASKS = 60;

interface Doc {
  status: string;
  version: number;
  progress: { overall: number; phases: { execute: number } };
  tasks: Array<{ id: string; status: string; merged: boolean }>;
  coordinator: { pid: number; alive: boolean | null } | null;
}

describe('status while a run writes the store', () => {
  it('every read is one consistent moment: progress matches the tasks, nothing goes backwards', async () => {
    const repo = await asyncRepo();
    const planned = await repo.plan({
      version: 1,
      milestone: 'Busy',
      id: 'busy',
      tasks: Array.from({ length: TASKS }, (_, i) => ({
        id: `t${i}`,
        title: `task ${i}`,
        run: `echo ${i} > out-${i}.txt`,
      })),
    });
    expect(planned.code, planned.stderr).toBe(0);
    const execute = repo.spawn(['execute', 'busy', '--mode', 'agents', '--concurrency', '4']);
    // As people type it (the package's bin: the classic read script), one read after the other.
    const docs: Doc[] = [];
    for (;;) {
      const running = execute.exitCode === null;
      const read = await runAsync(process.execPath, [BIN, 'status', 'busy', '--json'], {
        cwd: repo.root,
        env: repo.env,
      });
      expect(read.code, read.stderr).toBe(0);
      docs.push(JSON.parse(read.stdout) as Doc);
      if (!running) break;
    }
    expect(await execute.closed, execute.output().stderr).toBe(0);

    const merged = (doc: Doc) => doc.tasks.filter((task) => task.merged).length;
    for (const [index, doc] of docs.entries()) {
      const where = `read ${index} (version ${doc.version})`;
      expect(doc.tasks, where).toHaveLength(TASKS);
      // One phase, no estimates: progress is the share of tasks landed (docs/contract.md).
      const share = Math.round((100 * merged(doc)) / TASKS);
      expect(doc.progress.phases.execute, where).toBe(share);
      expect(doc.progress.overall, where).toBe(share);
      for (const task of doc.tasks)
        if (task.merged) expect(task.status, `${where}: ${task.id}`).toBe('succeeded');
      expect(doc.tasks.filter((task) => task.status === 'running').length, where).toBeLessThanOrEqual(4);
      if (doc.status === 'executing')
        expect(doc.coordinator, where).toMatchObject({ pid: execute.pid, alive: true });
      const before = docs[index - 1];
      if (before) {
        expect(doc.version, where).toBeGreaterThanOrEqual(before.version);
        expect(merged(doc), where).toBeGreaterThanOrEqual(merged(before));
      }
    }
    // Some reads saw the run halfway, and the last one its end.
    expect(docs.some((doc) => doc.status === 'executing' && merged(doc) > 0 && merged(doc) < TASKS)).toBe(
      true,
    );
    expect(docs.at(-1)).toMatchObject({ status: 'completed', progress: { overall: 100 } });
  });
});
