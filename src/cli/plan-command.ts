/**
 * `plan` as the CLI runs it (the quick path of `quick-plan.ts` and the commander program). The
 * build bundles this module with the modules it loads statically into this one file
 * (`scripts/bundle-reads.mjs`): node's ES module loader spends 1–2 ms on every file it loads, and
 * `plan --from` loads about ninety.
 */

import { startPlanningThread } from '../planning/planning-thread.js';
import { type PlanOptions, type PlanResult, plan as planCommand } from './commands/plan.js';

/**
 * `milestone plan`; importing a plan file (`--from`), its planning analyses run on a worker
 * thread started now, while the plan is read, checked and stored here (in this thread with
 * `MILESTONE_PLAN_THREAD=off`: on a machine without a spare core the thread only adds its start).
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  if (!options.from || options.planning || process.env.MILESTONE_PLAN_THREAD === 'off') {
    return planCommand(options);
  }
  // dist/planning/analyses-worker.js beside this file's dist/cli/ (missing when the sources run).
  const thread = startPlanningThread(new URL('../planning/analyses-worker.js', import.meta.url));
  try {
    return await planCommand({ ...options, planning: thread.run });
  } finally {
    thread.close();
  }
}
