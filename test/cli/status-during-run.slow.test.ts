import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncRepo, runAsync } from '../helpers/async-cli.js';
import { CLI, tempDir } from '../helpers/git-repo.js';

const BIN = resolve(CLI, '../bin.cjs');
const TASKS = 60;

interface Doc {
  status: string;
  version: number;
  progress: { overall: number; phases: { execute: number } };
  tasks: Array<{ id: string; status: string; merged: boolean }>;
  coordinator: { pid: number; alive: boolean | null } | null;
}

const merged = (doc: Doc) => doc.tasks.filter((task) => task.merged).length;
const halfway = (doc: Doc) => doc.status === 'executing' && merged(doc) > 0 && merged(doc) < TASKS;

describe('status while a run writes the store', () => {
  it('every read is one consistent moment: progress matches the tasks, nothing goes backwards', async () => {
    const repo = await asyncRepo();
    // The last task holds until a read saw the run halfway: however the load spaces the reads,
    // one of them sees it (a read may take longer than the rest of an unheld run).
    const gate = join(tempDir('milestone-gate-'), 'open');
    const planned = await repo.plan({
      version: 1,
      milestone: 'Busy',
      id: 'busy',
      tasks: Array.from({ length: TASKS }, (_, i) => ({
        id: `t${i}`,
        title: `task ${i}`,
        run: `${i === TASKS - 1 ? `while [ ! -e '${gate}' ]; do sleep 0.1; done; ` : ''}echo ${i} > out-${i}.txt`,
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
      const doc = JSON.parse(read.stdout) as Doc;
      docs.push(doc);
      if (!running) break;
      if (halfway(doc) && !existsSync(gate)) writeFileSync(gate, '');
    }
    expect(await execute.closed, execute.output().stderr).toBe(0);

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
    expect(docs.some(halfway)).toBe(true);
    expect(docs.at(-1)).toMatchObject({ status: 'completed', progress: { overall: 100 } });
  });
});
