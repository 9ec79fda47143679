import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MilestoneEvent } from '../src/core/events.js';
import { DEFAULT_DEFAULTS, DEFAULT_WEIGHTS, type Plan } from '../src/core/types.js';
import type { openStore as OpenStore } from '../src/store/store.js';
import { type Measurement, measure } from './measure.js';
import type { BenchSection } from './section.js';

/**
 * The store's side of a coordinator's per-task cost: appends of one event each, as a run makes
 * them (running, intent, succeeded, merged, outcome per task), on milestones of 100, 2,000 and
 * 10,000 tasks. Flat per-append cost means the fold and the read-model rows are O(1) per event.
 * With `MILESTONE_BENCH_BASE` (a checkout with `dist/` built) the older store runs beside it:
 *
 *   MILESTONE_BENCH_BASE=/path/to/base npm run bench -- appends
 */
export const storeAppends: BenchSection = {
  name: 'appends',
  title: 'Store appends: one event per append on 100 to 10,000-task milestones',
  run: ({ runs }) => appendBench(runs),
};

const TASKS_APPENDED = 400;

function plan(tasks: number): Plan {
  return {
    version: 1,
    id: 'm',
    title: 'Appends',
    weights: DEFAULT_WEIGHTS,
    defaults: DEFAULT_DEFAULTS,
    tasks: Array.from({ length: tasks }, (_, i) => ({
      id: `t${i}`,
      title: `Task ${i}`,
      phase: 'execute' as const,
      run: 'true',
      needs: [],
      files: [`src/${i}/**`],
    })),
  };
}

function taskEvents(taskId: string): MilestoneEvent[] {
  return [
    { type: 'task_status', taskId, status: 'running', attempt: 1, agent: 'shell' },
    { type: 'intent', step: 'merge', taskId },
    { type: 'task_status', taskId, status: 'succeeded', attempt: 1 },
    { type: 'task_merged', taskId, commit: 'a'.repeat(40) },
    { type: 'outcome', step: 'merge', taskId, ok: true },
  ];
}

async function appendBench(runs: number): Promise<Measurement[]> {
  const builds: Array<{ label: string; openStore: typeof OpenStore }> = [];
  const base = process.env.MILESTONE_BENCH_BASE;
  if (base) {
    const module = (await import(resolve(base, 'dist', 'store', 'store.js'))) as {
      openStore: typeof OpenStore;
    };
    builds.push({ label: 'base', openStore: module.openStore });
  }
  builds.push({ label: 'now', openStore: (await import('../src/store/store.js')).openStore });
  const rows: Measurement[] = [];
  for (const size of [100, 2000, 10_000]) {
    const planned = plan(size);
    for (const build of builds) {
      const appends = Math.min(size, TASKS_APPENDED) * 5;
      const row = measure(
        `${build.label}: ${appends} appends, ${size.toLocaleString('en')} tasks`,
        runs,
        () => {
          const dir = mkdtempSync(join(tmpdir(), 'milestone-bench-appends-'));
          const store = build.openStore(dir);
          try {
            store.append('m', [
              { type: 'milestone_planned', plan: planned, base: 'main', branch: 'milestone/m' },
            ]);
            for (let i = 0; i < appends / 5; i++)
              for (const event of taskEvents(`t${i}`)) store.append('m', [event]);
            return store.header('m')?.landedCount ?? 0;
          } finally {
            store.close();
            rmSync(dir, { recursive: true, force: true });
          }
        },
        (landed) => `${landed} landed`,
      );
      row.result += `; ${(row.cpuMs / appends).toFixed(3)} ms CPU per append (with the plan's own append)`;
      rows.push(row);
    }
  }
  return rows;
}
