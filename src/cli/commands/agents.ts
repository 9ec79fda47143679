import { cpus, freemem } from 'node:os';
import { resolveAgents } from '../../agents/registry.js';
import type { ConcurrencyChoice } from '../../decision/resources.js';
import { AGENT_MEMORY_BUDGET_BYTES, chooseConcurrency } from '../../decision/resources.js';
import { UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { openWorkspace } from '../../workspace/workspace.js';

export interface AgentsOptions {
  cwd: string;
  io: Io;
  json: boolean;
}

/** One agent as `milestone agents` reports it. */
export interface AgentReport {
  name: string;
  available: boolean;
  version: string | null;
  /** Why it is not available: binary missing, not logged in, disabled in config. */
  reason: string | null;
}

/** What the machine allows: CPUs, free memory against a per-agent budget, the configured maximum. */
export interface MachineReport {
  cpus: number;
  freeMemoryBytes: number;
  memoryPerAgentBytes: number;
  configuredMax: number | null;
  concurrency: ConcurrencyChoice;
}

/** Lists every agent adapter with whether it can run here, and the concurrency the machine allows. */
export async function agents(
  options: AgentsOptions,
): Promise<{ agents: AgentReport[]; machine: MachineReport }> {
  const workspace = await openWorkspace(options.cwd);
  const { adapters, problems, disabled } = resolveAgents(workspace.config.agents, {
    file: workspace.configFile,
    baseDir: workspace.root,
  });
  if (problems.length)
    throw new UsageError('MILESTONE_CONFIG', `invalid agents in ${workspace.configFile}`, problems);
  const reports: AgentReport[] = await Promise.all(
    [...adapters.values()].map(async (adapter) => {
      const probe = await adapter.probe();
      return {
        name: adapter.name,
        available: probe.available,
        version: probe.version ?? null,
        reason: probe.available ? null : (probe.reason ?? 'unknown'),
      };
    }),
  );
  for (const name of disabled)
    reports.push({ name, available: false, version: null, reason: 'disabled in config' });
  reports.sort((a, b) => a.name.localeCompare(b.name));
  const machine: MachineReport = {
    cpus: cpus().length,
    freeMemoryBytes: freemem(),
    memoryPerAgentBytes: AGENT_MEMORY_BUDGET_BYTES,
    configuredMax: workspace.config.concurrency,
    concurrency: chooseConcurrency(undefined, workspace.config.concurrency, {
      cpus: cpus().length,
      freeMemoryBytes: freemem(),
    }),
  };
  if (options.json) printJson(options.io, { agents: reports, machine });
  else {
    for (const r of reports) {
      options.io.out(
        `${r.name.padEnd(12)} ${r.available ? 'available  ' : 'unavailable'} ${r.available ? (r.version ?? '') : (r.reason ?? '')}`,
      );
    }
    options.io.out(`\nconcurrency ${machine.concurrency.explanation}`);
  }
  return { agents: reports, machine };
}
