import type { ProcessLimits, RunawayNote } from './process-limits.js';
import { formatBytes, groupSize } from './process-limits.js';

/** How often a task's process group is counted for a fork loop. */
const COUNT_EVERY_MS = 500;

/** Watches one process group for output without end and fork loops. */
export interface RunawayWatch {
  /** Counts output bytes; may call `onRunaway`. */
  output(bytes: number): void;
  /** Stops watching. */
  stop(): void;
}

/**
 * Calls `onRunaway` once when the process has printed more than `outputMaxBytes` or its group
 * holds more than `maxProcesses` live processes (counted every 500 ms from `/proc`).
 */
export function watchRunaway(
  pgid: number,
  limits: Pick<ProcessLimits, 'outputMaxBytes' | 'maxProcesses'>,
  onRunaway: (note: RunawayNote) => void,
): RunawayWatch {
  let printed = 0;
  let fired = false;
  const fire = (note: RunawayNote): void => {
    if (fired) return;
    fired = true;
    clearInterval(timer);
    onRunaway(note);
  };
  const timer = setInterval(() => {
    if (limits.maxProcesses === null) return;
    const count = groupSize(pgid);
    if (count !== null && count > limits.maxProcesses)
      fire({
        kind: 'processes',
        message: `runaway: ${count} processes in its group (limit ${limits.maxProcesses}); stopped`,
      });
  }, COUNT_EVERY_MS);
  timer.unref();
  if (limits.maxProcesses === null) clearInterval(timer);
  return {
    output(bytes) {
      printed += bytes;
      if (limits.outputMaxBytes !== null && printed > limits.outputMaxBytes)
        fire({
          kind: 'output',
          message: `runaway: printed more than ${formatBytes(limits.outputMaxBytes)}; stopped`,
        });
    },
    stop: () => clearInterval(timer),
  };
}
