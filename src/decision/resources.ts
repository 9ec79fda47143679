/** What the machine offers, read once by the shell and passed in (the core reads no `os`). */
export interface MachineResources {
  cpus: number;
  freeMemoryBytes: number;
}

/** Memory set aside per running agent when choosing a default concurrency. */
export const AGENT_MEMORY_BUDGET_BYTES = 1024 ** 3;
/** Default upper bound when nothing is configured. */
export const DEFAULT_MAX_CONCURRENCY = 8;

/** How the concurrency of a run was chosen, for the printed explanation. */
export interface ConcurrencyChoice {
  concurrency: number;
  /** `previous`: a resumed run without `--concurrency` keeps the last run's. */
  source: 'flag' | 'config' | 'machine' | 'previous';
  /** e.g. `4 (2 CPUs x 2, 21 GiB free / 1 GiB per agent, max 8)` */
  explanation: string;
}

/**
 * An explicit `--concurrency` is honoured as given (agents mostly wait on the network, so CPU
 * count is a default, not a cap); else the config; else from CPUs and free memory.
 */
export function chooseConcurrency(
  flag: number | undefined,
  configured: number | null,
  machine: MachineResources,
  memoryPerAgent = AGENT_MEMORY_BUDGET_BYTES,
): ConcurrencyChoice {
  if (flag !== undefined)
    return { concurrency: flag, source: 'flag', explanation: `${flag} (--concurrency)` };
  if (configured !== null)
    return { concurrency: configured, source: 'config', explanation: `${configured} (config)` };
  const byCpu = Math.max(2, machine.cpus * 2);
  const byMemory = Math.max(1, Math.floor(machine.freeMemoryBytes / memoryPerAgent));
  const concurrency = Math.max(1, Math.min(byCpu, byMemory, DEFAULT_MAX_CONCURRENCY));
  const gib = (bytes: number) => `${Math.round((bytes / 1024 ** 3) * 10) / 10} GiB`;
  return {
    concurrency,
    source: 'machine',
    explanation: `${concurrency} (${machine.cpus} CPUs x 2, ${gib(machine.freeMemoryBytes)} free / ${gib(memoryPerAgent)} per agent, max ${DEFAULT_MAX_CONCURRENCY})`,
  };
}
