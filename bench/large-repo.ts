import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Measurement, singleRun as row } from './measure.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';
import { run } from './worktrees.js';

/**
 * Issue 15's "a repository with 100,000 files": worktree slots still work, and how long they
 * take. Two no-op tasks at concurrency 2, then a second milestone reusing the slots. The
 * first slot includes the free-space check (`git ls-tree -r -l` of the checkout, statfs).
 * `MILESTONE_BENCH_FILES` makes it smaller while developing.
 */
export const largeRepo: BenchSection = {
  name: 'large-repo',
  title: 'a 100,000-file repository (2 no-op tasks at concurrency 2, two runs)',
  async run() {
    const files = Number(process.env.MILESTONE_BENCH_FILES ?? 100_000);
    const rows: Measurement[] = [];
    const root = mkdtempSync(join(tmpdir(), 'milestone-bench-large-'));
    try {
      const made = performance.now();
      const repo = benchRepository(join(root, 'repo'), files);
      const label = `${files.toLocaleString('en')} files`;
      rows.push(row(`${label}: make the repository`, performance.now() - made, 'write + git add + commit'));
      const stateHome = join(root, 'state');
      const first = await run(repo, stateHome, 'first-run', 2, 2);
      const second = await run(repo, stateHome, 'second-run', 2, 2);
      rows.push(
        row(
          `${label}: new slots (slowest of 2)`,
          Math.max(...first.slots),
          `slots ${first.slots.map((s) => s.toFixed(0)).join(', ')} ms`,
        ),
      );
      rows.push(
        row(
          `${label}: reuse (second run, slowest)`,
          Math.max(...second.slots),
          `slots ${second.slots.map((s) => s.toFixed(0)).join(', ')} ms`,
        ),
      );
      rows.push(row(`${label}: run wall (first, second)`, first.wall, `second ${second.wall.toFixed(0)} ms`));
    } finally {
      // Slots removed in the background may still be pruning `.git`: retry, never mask an error.
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
      } catch (error) {
        console.error(`could not remove ${root}: ${(error as Error).message}`);
      }
    }
    return rows;
  },
};
