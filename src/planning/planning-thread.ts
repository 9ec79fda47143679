import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type PlanningInput, type PlanningOutput, planningOutput } from './output.js';

/** Runs the planning analyses of one plan; see {@link startPlanningThread}. */
export type PlanningRunner = (input: PlanningInput) => Promise<PlanningOutput>;

/** A worker thread started ahead of the plan it will analyse. */
export interface PlanningThread {
  run: PlanningRunner;
  /** Ends the thread (it holds the process open never: it is unref'd). */
  close(): void;
}

/**
 * Starts a worker thread that runs the planning analyses of one plan (`analyses-worker.ts`,
 * the file `workerFile` names) beside the main thread: `plan --from` stores the plan (the store
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
      worker = new Worker(workerFile);
      worker.unref();
      // An error before `run` listens (the file cannot load): `run` then finds the thread gone.
      worker.on('error', () => undefined);
    }
  } catch {
    worker = undefined;
  }
  let used = false;
  return {
    run(input) {
      const thread = worker;
      if (!thread || used) return planningOutput(input);
      used = true;
      return new Promise<PlanningOutput | null>((resolve) => {
        thread.once('message', (message: { output?: PlanningOutput; error?: string }) =>
          resolve(message.output ?? null),
        );
        thread.once('error', () => resolve(null));
        thread.once('exit', () => resolve(null));
        try {
          thread.postMessage(input);
        } catch {
          resolve(null);
        }
      }).then((output) => output ?? planningOutput(input));
    },
    close() {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
