import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { execute } from '../src/cli/commands/execute.js';
import { plan } from '../src/cli/commands/plan.js';
import { criticalPath } from '../src/core/graph.js';
import type { TaskSpec } from '../src/core/types.js';
import { recordingIo } from '../src/io/io.js';
import type { Measurement } from './measure.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

const _git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString();

function repository(files: number): { root: string; repo: string } {
  const root = mkdtempSync(join(tmpdir(), 'milestone-bench-'));
  return { root, repo: benchRepository(join(root, 'repo'), files) };
}

async function runMilestone(
  repo: string,
  stateHome: string,
  id: string,
  tasks: object[],
  mode: 'direct' | 'agents',
  concurrency: number,
) {
  writeFileSync(
    join(repo, `${id}.yaml`),
    stringify({ version: 1, milestone: id, id, defaults: { retries: 0 }, tasks }),
  );
  await plan({ cwd: repo, io: recordingIo(), from: `${id}.yaml`, json: false });
  const started = performance.now();
  const result = await execute({
    cwd: repo,
    io: recordingIo(),
    id,
    mode,
    concurrency,
    dryRun: false,
    json: false,
    env: { XDG_STATE_HOME: stateHome },
  });
  const ms = performance.now() - started;
  if (result?.status !== 'completed')
    throw new Error(`bench milestone ${id} did not complete: ${result?.status}`);
  return ms;
}

function row(step: string, ms: number, result: string): Measurement {
  return { step, medianMs: ms, minMs: ms, firstMs: ms, cpuMs: 0, result };
}

/** A seeded generator, so every bench run simulates the same milestone. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
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
      const noop = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, title: `no-op ${i}`, run: 'true' }));
      const small = await runMilestone(repo, stateHome, 'overhead-10', noop(10, 'a'), 'agents', 1);
      const large = await runMilestone(repo, stateHome, 'overhead-30', noop(30, 'b'), 'agents', 1);
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
      const direct = await runMilestone(repo, stateHome, 'overhead-direct', noop(30, 'c'), 'direct', 1);
      rows.push(
        row('overhead: 30 no-op tasks, direct mode', direct, `${(direct / 30).toFixed(0)} ms per task`),
      );

      const next = random(42);
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
      const directMs = await runMilestone(tiny.repo, stateHome, 'speed-direct', tasks, 'direct', 1);
      const agentsMs = await runMilestone(tiny.repo, stateHome, 'speed-agents', tasks, 'agents', concurrency);
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
