/**
 * `plan` as the CLI runs it (the quick path of `quick-plan.ts` and the commander program). The
 * build bundles this module with the modules it loads statically into this one file
 * (`scripts/bundle-reads.mjs`): node's ES module loader spends 1–2 ms on every file it loads, and
 * `plan --from` loads about ninety.
 */

import { startPlanningThread } from '../planning/planning-thread.js';
import { type PlanOptions, type PlanResult, plan as planCommand } from './commands/plan.js';

/**
 * `milestone plan`; importing a plan file (`--from`) on a machine with a spare core, its
 * planning analyses run on a worker thread started now, while the plan is read, checked and
 * stored here.
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  if (!options.from || options.planning || !planningThreadPaysOff()) return planCommand(options);
  // dist/planning/analyses-worker.js beside this file's dist/cli/ (missing when the sources run).
  const thread = startPlanningThread(new URL('../planning/analyses-worker.js', import.meta.url));
  try {
    return await planCommand({ ...options, planning: thread.run });
  } finally {
    thread.close();
  }
}

/**
 * Whether the analyses go to a worker thread: only with `MILESTONE_PLAN_THREAD=on`. The thread's
 * own start costs ~0.2 s of CPU, which the overlap did not pay back on the 2-core machine we
 * measure on, busy or quiet (0.66 s with it, 0.60 s without, 2,000 tasks; docs/benchmarks.md).
 */
function planningThreadPaysOff(): boolean {
  return process.env.MILESTONE_PLAN_THREAD === 'on';
}
