import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { execute } from '../src/cli/commands/execute.js';
import { plan } from '../src/cli/commands/plan.js';
import { recordingIo } from '../src/io/io.js';

/** One milestone a bench section runs: its plan, and how `execute` runs it. */
export interface BenchMilestone {
  id: string;
  tasks: readonly object[];
  /** More top-level plan fields (`verify`, `integration`, `defaults`: replaces `{ retries: 0 }`). */
  fields?: Record<string, unknown>;
  mode: 'direct' | 'agents';
  concurrency: number;
  /** `execute --queue`: tasks go to workers on this Redis. */
  queue?: string;
}

/**
 * Plans the milestone from a YAML file in `repo` (`milestone plan --from`, in-process), then
 * executes it with its worktrees under `stateHome`; returns the wall time of `execute` alone.
 * Throws unless the milestone completed: a bench of a failed run measures nothing.
 */
export async function planAndExecute(
  repo: string,
  stateHome: string,
  milestone: BenchMilestone,
): Promise<number> {
  const { id, tasks, fields, mode, concurrency, queue } = milestone;
  writeFileSync(
    join(repo, `${id}.yaml`),
    stringify({ version: 1, milestone: id, id, defaults: { retries: 0 }, ...fields, tasks }),
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
    ...(queue && { queue }),
  });
  const ms = performance.now() - started;
  if (result?.status !== 'completed')
    throw new Error(`bench milestone ${id} did not complete: ${result?.status}`);
  return ms;
}

/** `count` no-op tasks (`run: true`) with ids `<prefix>0`, `<prefix>1`, ... */
export function noopTasks(count: number, prefix: string): object[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, title: `no-op ${i}`, run: 'true' }));
}

/** A seeded linear congruential generator, so every bench run simulates the same task durations. */
export function durationRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
