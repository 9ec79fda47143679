import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticalPath } from '../src/core/graph.js';
import type { TaskSpec } from '../src/core/types.js';
import { type Measurement, singleRun as row } from './measure.js';
import { durationRandom, noopTasks, planAndExecute } from './milestone-run.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

function repository(files: number): { root: string; repo: string } {
  const root = mkdtempSync(join(tmpdir(), 'milestone-bench-'));
  return { root, repo: benchRepository(join(root, 'repo'), files) };
}

/**
 * Orchestration overhead per task (worktree, agent start, commit, merge, store) on a
 * 2,000-file repository with no-op tasks, and the speedup of `agents` over `direct` on a
 * 40-task milestone with simulated durations, against the bound
 * total / max(critical path, total / concurrency).
 */
export const engine: BenchSection = {
  name: 'engine',
  title: 'execution engine (real git, real processes, 2,000-file repository)',
  async run() {
    const rows: Measurement[] = [];
    const { root, repo } = repository(2000);
    const stateHome = join(root, 'state');
    const cleanup = [root];
    try {
      // Two sizes: the difference is the steady per-task cost, without the one-off checkout of
      // the first worktree slot (2,000 files).
      const noop = (id: string, n: number, prefix: string, mode: 'direct' | 'agents') =>
        planAndExecute(repo, stateHome, { id, tasks: noopTasks(n, `${prefix}-`), mode, concurrency: 1 });
      const small = await noop('overhead-10', 10, 'a', 'agents');
      const large = await noop('overhead-30', 30, 'b', 'agents');
      const marginal = (large - small) / 20;
      rows.push(
        row(
          'overhead: 10 no-op tasks, own worktree branch each',
          small,
          `${(small / 10).toFixed(0)} ms per task`,
        ),
      );
      rows.push(
        row(
          'overhead: 30 no-op tasks, own worktree branch each',
          large,
          `${(large / 30).toFixed(0)} ms per task`,
        ),
      );
      rows.push(
        row(
          'overhead per task, steady (30 - 10) / 20',
          marginal,
          `first slot checkout ~${(small - 10 * marginal).toFixed(0)} ms once`,
        ),
      );
      const direct = await noop('overhead-direct', 30, 'c', 'direct');
      rows.push(
        row('overhead: 30 no-op tasks, direct mode', direct, `${(direct / 30).toFixed(0)} ms per task`),
      );

      const next = durationRandom(42);
      const concurrency = 4;
      const tasks: TaskSpec[] = Array.from({ length: 40 }, (_, i) => {
        const seconds = Math.round((1 + next() * 2) * 10) / 10;
        const needs = i >= 8 && next() < 0.5 ? [`t${Math.floor(next() * (i - 1))}`] : [];
        return {
          id: `t${i}`,
          title: `task ${i}`,
          phase: 'execute',
          run: `sleep ${seconds}`,
          needs,
          files: [],
          estimate: { optimistic: seconds, likely: seconds, pessimistic: seconds },
        };
      });
      const work = tasks.reduce((sum, t) => sum + t.estimate!.likely, 0);
      const path = criticalPath(tasks).length;
      const boundSpeedup = work / Math.max(path, work / concurrency);
      // A small repository: this step measures scheduling, not checkout speed (measured above).
      const tiny = repository(20);
      cleanup.push(tiny.root);
      const directMs = await planAndExecute(tiny.repo, stateHome, {
        id: 'speed-direct',
        tasks,
        mode: 'direct',
        concurrency: 1,
      });
      const agentsMs = await planAndExecute(tiny.repo, stateHome, {
        id: 'speed-agents',
        tasks,
        mode: 'agents',
        concurrency,
      });
      const speedup = directMs / agentsMs;
      rows.push(
        row(
          '40 tasks of 1-3 s (20-file repo), direct',
          directMs,
          `${work.toFixed(1)} s of work, critical path ${path.toFixed(1)} s`,
        ),
      );
      rows.push(
        row(
          `40 tasks of 1-3 s (20-file repo), agents x${concurrency}`,
          agentsMs,
          `speedup ${speedup.toFixed(2)}x`,
        ),
      );
      rows.push(
        row(
          'speedup vs bound total/max(cp, total/N)',
          0,
          `${speedup.toFixed(2)} / ${boundSpeedup.toFixed(2)} = ${((100 * speedup) / boundSpeedup).toFixed(0)}% of the bound`,
        ),
      );
    } finally {
      for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
