import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { execute } from '../src/cli/commands/execute.js';
import { metrics } from '../src/cli/commands/metrics.js';
import { plan } from '../src/cli/commands/plan.js';
import { recordingIo } from '../src/io/io.js';
import type { MilestoneMetrics } from '../src/report/metrics.js';
import type { Measurement } from './measure.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

const TASKS = 40;
const CONCURRENCY = 4;
/** The integration check: one second, as a small test suite would take. */
const CHECK = 'sleep 1';

/** A seeded generator, so every bench run simulates the same milestone. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** 40 independent tasks of 0.5-1.5 s, each writing its own file. */
function tasks(prefix: string) {
  const next = random(7);
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
  writeFileSync(
    join(repo, `${id}.yaml`),
    stringify({
      version: 1,
      milestone: id,
      id,
      defaults: { retries: 0 },
      ...(integration && { verify: CHECK, integration }),
      tasks: tasks(id),
    }),
  );
  await plan({ cwd: repo, io: recordingIo(), from: `${id}.yaml`, json: false });
  const started = performance.now();
  const result = await execute({
    cwd: repo,
    io: recordingIo(),
    id,
    mode: 'agents',
    concurrency: CONCURRENCY,
    dryRun: false,
    json: false,
    env: { XDG_STATE_HOME: stateHome },
  });
  const ms = performance.now() - started;
  if (result?.status !== 'completed')
    throw new Error(`bench milestone ${id} did not complete: ${result?.status}`);
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
      rows.push({
        step: 'no integration checks',
        medianMs: none.ms,
        minMs: none.ms,
        firstMs: none.ms,
        cpuMs: 0,
        result: 'baseline',
      });
      for (const mode of ['each', 'batch', 'phase'] as const) {
        const run = await runOne(repo, stateHome, `checks-${mode}`, mode);
        const extra = run.ms - none.ms;
        rows.push({
          step: `integration: ${mode}`,
          medianMs: run.ms,
          minMs: run.ms,
          firstMs: run.ms,
          cpuMs: 0,
          result: `${run.checks} checks (${(run.checkMs / 1000).toFixed(1)} s), +${(extra / 1000).toFixed(1)} s wall (${((100 * extra) / none.ms).toFixed(0)}%)`,
        });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return rows;
  },
};
