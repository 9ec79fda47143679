/**
 * The worker thread of `startPlanningThread` (`planning-thread.ts`): receives a plan (and the
 * folder of its artifacts), analyses its graph at once, then, once the repository facts follow
 * in a second message, runs the planning analyses and answers `{ output }` (the graph analysis
 * with it) or `{ error }`. The
 * build bundles it into one file (`scripts/bundle-reads.mjs`), so the thread starts without
 * loading ~30 modules.
 */
import { parentPort } from 'node:worker_threads';
import { analyzeGraph, type GraphAnalysis } from '../core/analysis.js';
import type { Plan } from '../core/types.js';
import { planningOutput } from './output.js';
import type { RepoFacts } from './repo-facts.js';

let request: { plan: Plan; dir: string; graph: GraphAnalysis } | undefined;

parentPort?.on('message', (message: { plan: Plan; dir: string } | { facts: RepoFacts }) => {
  if ('plan' in message) {
    request = { ...message, graph: analyzeGraph(message.plan) };
    return;
  }
  if (!request) return;
  planningOutput({ ...request, facts: message.facts }).then(
    (output) => parentPort?.postMessage({ output }),
    (error: unknown) =>
      parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
