import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../src/core/events.js';
import { openStore } from '../src/store/store.js';
import { type Measurement, singleRun as row } from './measure.js';
import { noopTasks, planAndExecute } from './milestone-run.js';
import { benchRepository } from './repository.js';
import type { BenchSection } from './section.js';

function repository(root: string, files: number): string {
  return benchRepository(join(root, `repo-${files}`), files);
}

const ms = (a: string, b: string) => Date.parse(b) - Date.parse(a);

/**
 * Slot times of one run from its event log: per task, from the `worktree` intent (a slot was
 * asked for) to the agent's start (the slot was ready); teardown from the last phase commit to
 * the final status (everything the run did after its work was on the branch).
 */
function slotTimes(events: StoredEvent[]): { slots: number[]; teardown: number } {
  const asked = new Map<string, string>();
  const slots: number[] = [];
  for (const e of events) {
    if (e.type === 'intent' && e.step === 'worktree' && e.taskId) asked.set(e.taskId, e.at);
    if (e.type === 'intent' && e.step === 'agent' && e.taskId && asked.has(e.taskId)) {
      slots.push(ms(asked.get(e.taskId)!, e.at));
      asked.delete(e.taskId);
    }
  }
  const lastPhase = events.filter((e) => e.type === 'phase_committed').at(-1);
  const last = events.filter((e) => e.type === 'milestone_status').at(-1);
  return { slots, teardown: lastPhase && last ? ms(lastPhase.at, last.at) : Number.NaN };
}

/** Plans and executes `tasks` no-op tasks; wall time and slot times from the event log. */
export async function run(repo: string, stateHome: string, id: string, tasks: number, concurrency: number) {
  const wall = await planAndExecute(repo, stateHome, {
    id,
    tasks: noopTasks(tasks, 't'),
    mode: 'agents',
    concurrency,
  });
  const store = openStore(join(repo, '.milestones', '.local'));
  try {
    return { wall, ...slotTimes(store.events(id)) };
  } finally {
    store.close();
  }
}

/**
 * Worktree slots on a 2,000-file and a 20,000-file repository: 4 no-op tasks at concurrency 4,
 * run twice (two milestones in the same repository). First slot: the first task's wait for
 * its worktree; later slot: the slowest of the other three (they start together); reuse: the
 * slowest slot of the second run; teardown: last phase commit to the run's final status.
 */
export const worktrees: BenchSection = {
  name: 'worktrees',
  title: 'worktree slots (4 no-op tasks at concurrency 4, two runs per repository)',
  async run() {
    const rows: Measurement[] = [];
    const root = mkdtempSync(join(tmpdir(), 'milestone-bench-slots-'));
    try {
      for (const files of [2000, 20000]) {
        const repo = repository(root, files);
        const stateHome = join(root, `state-${files}`);
        const first = await run(repo, stateHome, 'first-run', 4, 4);
        const second = await run(repo, stateHome, 'second-run', 4, 4);
        const label = `${files.toLocaleString('en')} files`;
        rows.push(row(`${label}: first slot`, first.slots[0] ?? Number.NaN, 'worktree ready for task 1'));
        rows.push(
          row(
            `${label}: later slot (slowest of 2-4)`,
            Math.max(...first.slots.slice(1)),
            `slots ${first.slots.map((s) => s.toFixed(0)).join(', ')} ms`,
          ),
        );
        rows.push(
          row(
            `${label}: reuse (second run, slowest slot)`,
            Math.max(...second.slots),
            `slots ${second.slots.map((s) => s.toFixed(0)).join(', ')} ms`,
          ),
        );
        rows.push(row(`${label}: teardown (first run)`, first.teardown, `second run ${second.teardown} ms`));
        rows.push(
          row(`${label}: run wall (first, second)`, first.wall, `second ${second.wall.toFixed(0)} ms`),
        );
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return rows;
  },
};
