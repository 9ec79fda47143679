import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { project } from '../../src/core/projection.js';
import type { LeaseResult } from '../../src/store/lease.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/git-repo.js';
import { plannedEvent } from './fixtures/sample-plan.js';

const ROOT = resolve(import.meta.dirname, '../..');
const WORKER = resolve(import.meta.dirname, 'fixtures/store-worker.ts');

interface Worker {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
}

/** Starts `n` worker processes, waits until all have opened the store, then releases them at once. */
async function runWorkers(n: number, args: (worker: number) => string[]): Promise<Worker[]> {
  const workers = Array.from({ length: n }, (_, index) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args(index)], { cwd: ROOT });
    const worker: Worker = { child, stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => {
      worker.stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      worker.stderr += chunk.toString();
    });
    return worker;
  });
  const exited = workers.map(async (worker) => {
    const [code] = (await once(worker.child, 'exit')) as [number | null];
    return code;
  });
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((ready, fail) => {
          const check = () => worker.stdout.includes('ready\n') && ready();
          worker.child.stdout.on('data', check);
          worker.child.once('exit', () => fail(new Error(`worker exited before ready: ${worker.stderr}`)));
          check();
        }),
    ),
  );
  for (const worker of workers) worker.child.stdin.end('go\n');
  const codes = await Promise.all(exited);
  codes.forEach((code, index) => {
    expect(code, `worker ${index} stderr: ${workers[index]?.stderr}`).toBe(0);
  });
  return workers;
}

describe('store under concurrent processes', () => {
  it('8 processes appending 1,000 events each to one milestone lose nothing and leave no gap', async () => {
    const dir = tempDir();
    const setup = openStore(dir);
    setup.append('shared', [plannedEvent('shared')]);
    setup.close();

    await runWorkers(8, (worker) => ['append', dir, 'shared', `w${worker}`, '1000']);

    const store = openStore(dir, { readonly: true });
    const events = store.events('shared');
    expect(events).toHaveLength(8001);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 8001 }, (_, i) => i + 1));
    expect(store.version('shared')).toBe(8001);

    const byWorker = new Map<string, number[]>();
    for (const event of events) {
      if (event.type !== 'intent') continue;
      const { worker, i } = event.detail as { worker: string; i: number };
      byWorker.set(worker, [...(byWorker.get(worker) ?? []), i]);
    }
    expect([...byWorker.keys()].sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7']);
    // Each worker's events are all there, in the order it wrote them.
    for (const sequence of byWorker.values()) {
      expect(sequence).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
    // They really ran at once: one after the other would switch writer only 7 times.
    const switches = events.slice(2).filter((event, index) => {
      const previous = events[index + 1];
      return (
        previous?.type === 'intent' &&
        event.type === 'intent' &&
        previous.detail?.worker !== event.detail?.worker
      );
    }).length;
    expect(switches).toBeGreaterThan(100);

    expect(store.state('shared')).toEqual(project(events));
    store.close();
  });

  it('4 processes creating the store together and racing for one lease: exactly one gets it', async () => {
    // No store yet: the workers create and migrate it at the same time, then race.
    const dir = join(tempDir(), '.milestones', '.local');

    const workers = await runWorkers(4, (worker) => ['lease', dir, 'race', `w${worker}`]);

    const results = workers.map((worker) => JSON.parse(worker.stdout.split('\n')[1] ?? '') as LeaseResult);
    const winners = workers.filter((_, index) => results[index]?.acquired);
    expect(winners).toHaveLength(1);
    const winnerPid = winners[0]?.child.pid;
    for (const result of results) {
      if (!result.acquired) expect(result.holder.pid).toBe(winnerPid);
    }
  });
});
