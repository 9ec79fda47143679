import { z } from 'zod';

/** Config `limits`: resource limits of task processes and worktree slots. Sizes in MB; `null` = off. */
export interface ResourceLimits {
  /** Attempt log cap per attempt; the tail is kept with a note. */
  logMaxMb: number | null;
  /** Output (stdout + stderr) of one process after which it is stopped as a runaway. */
  outputMaxMb: number | null;
  /** Live processes in one task process group after which it is stopped as a fork loop. */
  maxProcesses: number | null;
  /** `ulimit -d` of each task process. */
  memoryMb: number | null;
  /** Free space left on the worktrees' file system after creating a slot. */
  minFreeMb: number;
  /**
   * How much nicer (lower scheduling priority) than the command that started it a run's work
   * runs: `execute` itself, its git processes and every task process (0 to 19; 0 = same priority).
   */
  nice: number;
}

export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = {
  logMaxMb: 50,
  outputMaxMb: 1024,
  maxProcesses: 512,
  memoryMb: null,
  minFreeMb: 100,
  nice: 10,
};

const megabytes = z.number().positive();

export const resourceLimitsSchema = z
  .strictObject({
    logMaxMb: megabytes.nullable().default(DEFAULT_RESOURCE_LIMITS.logMaxMb),
    outputMaxMb: megabytes.nullable().default(DEFAULT_RESOURCE_LIMITS.outputMaxMb),
    maxProcesses: z.number().int().min(2).nullable().default(DEFAULT_RESOURCE_LIMITS.maxProcesses),
    memoryMb: megabytes.nullable().default(DEFAULT_RESOURCE_LIMITS.memoryMb),
    minFreeMb: z.number().min(0).default(DEFAULT_RESOURCE_LIMITS.minFreeMb),
    nice: z.number().int().min(0).max(19).default(DEFAULT_RESOURCE_LIMITS.nice),
  })
  .default(DEFAULT_RESOURCE_LIMITS);
