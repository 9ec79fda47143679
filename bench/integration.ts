import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '../src/cli/commands/metrics.js';
import { recordingIo } from '../src/io/io.js';
import type { MilestoneMetrics } from '../src/report/metrics.js';
import { type Measurement, singleRun } from './measure.js';
import { durationRandom, planAndExecute } from './milestone-run.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

const TASKS = 40;
const CONCURRENCY = 4;
/** The integration check: one second, as a small test suite would take. */
const CHECK = 'sleep 1';

/** 40 independent tasks of 0.5-1.5 s, each writing its own file. */
function tasks(prefix: string) {
  const next = durationRandom(7);
  return Array.from({ length: TASKS }, (_, i) => {
    const seconds = Math.round((0.5 + next()) * 10) / 10;
    return {
      id: `${prefix}-${i}`,
      title: `task ${i}`,
      run: `sleep ${seconds} && echo ${i} > out-${i}.txt`,
      files: [`out-${i}.txt`],
    };
  });
}

async function runOne(repo: string, stateHome: string, id: string, integration: string | null) {
  const ms = await planAndExecute(repo, stateHome, {
    id,
    tasks: tasks(id),
    fields: integration ? { verify: CHECK, integration } : {},
    mode: 'agents',
    concurrency: CONCURRENCY,
  });
  const m = (await metrics({
    cwd: repo,
    io: recordingIo(),
    id,
    compare: false,
    json: false,
  })) as MilestoneMetrics;
  return { ms, checks: m.integration.checks + m.integration.baselines, checkMs: m.integration.totalMs };
}

/**
 * Issue 10: what integration checks cost. The same 40-task milestone (4 agents, tasks of
 * 0.5-1.5 s) without checks, and with a 1 s plan `verify` run on the combined tree after every
 * landing (`each`), after the landings that arrived while the previous check ran (`batch`, a
 * merge train), or once per phase (`phase`). Wall time of `execute`, and its cost over none.
 */
export const integrationBench: BenchSection = {
  name: 'integration',
  title: `integration checks: ${TASKS} tasks, ${CONCURRENCY} agents, a 1 s check (real git, real processes)`,
  async run() {
    const root = mkdtempSync(join(tmpdir(), 'milestone-bench-'));
    const repo = benchRepository(join(root, 'repo'), 20);
    const stateHome = join(root, 'state');
    const rows: Measurement[] = [];
    try {
      const none = await runOne(repo, stateHome, 'checks-none', null);
      rows.push(singleRun('no integration checks', none.ms, 'baseline'));
      for (const mode of ['each', 'batch', 'phase'] as const) {
        const run = await runOne(repo, stateHome, `checks-${mode}`, mode);
        const extra = run.ms - none.ms;
        rows.push(
          singleRun(
            `integration: ${mode}`,
            run.ms,
            `${run.checks} checks (${(run.checkMs / 1000).toFixed(1)} s), +${(extra / 1000).toFixed(1)} s wall (${((100 * extra) / none.ms).toFixed(0)}%)`,
          ),
        );
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return rows;
  },
};
