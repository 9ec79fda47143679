/**
 * The worker thread of {@link startPlanningThread} (`planning-thread.ts`): receives one
 * {@link PlanningInput}, answers `{ output }` or `{ error }`, and ends. The build bundles it into
 * one file (`scripts/bundle-reads.mjs`), so the thread starts without loading ~30 modules.
 */
import { parentPort } from 'node:worker_threads';
import { type PlanningInput, planningOutput } from './output.js';

parentPort?.once('message', (input: PlanningInput) => {
  planningOutput(input).then(
    (output) => parentPort?.postMessage({ output }),
    (error: unknown) =>
      parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
