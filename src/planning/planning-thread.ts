import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { type PlanningOutput, type PlanningRequest, planningOutput } from './output.js';

/**
 * Runs the planning analyses of one plan; see {@link startPlanningThread}. A runner may start on
 * the plan before the repository facts are read (the graph needs none).
 */
export type PlanningRunner = (request: PlanningRequest) => Promise<PlanningOutput>;

/** {@link PlanningRunner} in this thread. */
export async function planInThisThread(request: PlanningRequest): Promise<PlanningOutput> {
  return planningOutput({ ...request, facts: await request.facts });
}

/** A worker thread started ahead of the plan it will analyse. */
export interface PlanningThread {
  run: PlanningRunner;
  /** Ends the thread (it holds the process open never: it is unref'd). */
  close(): void;
}

/**
 * Starts a worker thread that runs the planning analyses of one plan (`analyses-worker.ts`,
 * the file `workerFile` names; the plan is sent at once, the repository facts once read) beside
 * the main thread: `plan --from` stores the plan (the store
 * append, `milestone.yaml`) while the analyses run, on the machine's other core. Started before
 * the plan is read, so the thread's own start overlaps the parse too. When the file does not
 * exist (the sources run without a build) or the thread fails in any way, the analyses run in
 * this thread instead: the same function, so the same output, and a failure of the analyses
 * themselves surfaces here as it always did.
 */
export function startPlanningThread(workerFile: URL): PlanningThread {
  let worker: Worker | undefined;
  try {
    if (existsSync(fileURLToPath(workerFile))) {
      // Required here, not imported: loading node:worker_threads costs a `plan` that runs the
      // analyses in this thread (the default) ~1–2 ms.
      const threads = createRequire(import.meta.url)(
        'node:worker_threads',
      ) as typeof import('node:worker_threads');
      worker = new threads.Worker(workerFile);
      worker.unref();
      // An error before `run` listens (the file cannot load): `run` then finds the thread gone.
      worker.on('error', () => undefined);
    }
  } catch {
    worker = undefined;
  }
  let used = false;
  return {
    run(request) {
      const thread = worker;
      if (!thread || used) return planInThisThread(request);
      used = true;
      const answer = new Promise<PlanningOutput | null>((resolve) => {
        thread.once('message', (message: { output?: PlanningOutput; error?: string }) =>
          resolve(message.output ?? null),
        );
        thread.once('error', () => resolve(null));
        thread.once('exit', () => resolve(null));
        try {
          // The plan now, so the thread analyses its graph while the facts are read.
          thread.postMessage({ plan: request.plan, dir: request.dir });
          request.facts.then(
            (facts) => thread.postMessage({ facts }),
            () => resolve(null),
          );
        } catch {
          resolve(null);
        }
      });
      // Without an answer (or when the facts failed), this thread, which reports a failure as always.
      return answer.then((output) => output ?? planInThisThread(request));
    },
    close() {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
