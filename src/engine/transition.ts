import { join } from 'node:path';
import type { AgentAdapter, ProbeResult } from '../agents/adapter.js';
import { findCycle } from '../core/graph.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase, Plan } from '../core/types.js';
import type { Problem } from '../errors.js';
import { planHash, readPlanningArtifacts } from '../planning/index.js';
import { agentField } from './transition-advice.js';

/** What the transition found: problems (empty = ready) and each needed agent's probe. */
export interface TransitionCheck {
  problems: Problem[];
  probes: Map<string, ProbeResult>;
}

/**
 * The planning-to-execution check: planning is complete when every
 * artifact exists and was computed from this plan, the graph is valid, and every task to run
 * has an available agent that can run it (the shell agent needs `run`, coding agents `prompt`).
 */
export async function checkTransition(input: {
  state: MilestoneState;
  milestonesDir: string;
  adapters: Map<string, AgentAdapter>;
  disabled: Set<string>;
  phases: Phase[];
  agentOverride: string | undefined;
  /** Config `fallback`: an unavailable agent is fine when one of its fallbacks is available. */
  fallback?: Record<string, string[]>;
}): Promise<TransitionCheck> {
  const { state } = input;
  const dir = join(input.milestonesDir, state.id, 'planning');
  const problems: Problem[] = readPlanningArtifacts(dir, { planHash: planHash(state.plan) }).problems.map(
    (p) => ({
      code: p.code,
      message: p.message,
      ...(p.location && { location: p.location }),
    }),
  );
  const cycle = findCycle(state.plan.tasks);
  if (cycle)
    problems.push({
      code: 'MILESTONE_PLAN_CYCLE',
      message: `the task graph has a cycle: ${cycle.join(' -> ')}`,
    });
  const probes = new Map<string, ProbeResult>();
  for (const task of state.plan.tasks) {
    if (!input.phases.includes(task.phase)) continue;
    const name = task.agent ?? input.agentOverride ?? state.plan.defaults.agent;
    if (state.tasks[task.id]?.merged) {
      // A landed task runs again only when an integration check reverts it: probe, never refuse.
      if (mayRevert(state.plan) && input.adapters.has(name) && !probes.has(name))
        probes.set(name, await input.adapters.get(name)!.probe());
      continue;
    }
    const field = { field: agentField(task.id) };
    const adapter = input.adapters.get(name);
    if (!adapter) {
      problems.push({
        code: 'MILESTONE_AGENT_UNKNOWN',
        message: `task ${task.id}: ${unknownAgent(name, input)}`,
        location: field,
      });
      continue;
    }
    const probeOf = async (agent: string) => {
      let probe = probes.get(agent);
      if (!probe) {
        probe = (await input.adapters.get(agent)?.probe()) ?? { available: false, reason: 'not configured' };
        probes.set(agent, probe);
      }
      return probe;
    };
    const probe = await probeOf(name);
    let fallback: string | undefined;
    if (!probe.available) {
      for (const other of input.fallback?.[name] ?? []) {
        if (input.adapters.has(other) && (await probeOf(other)).available) {
          fallback = other;
          break;
        }
      }
    }
    if (!probe.available && !fallback) {
      problems.push({
        code: 'MILESTONE_AGENT_UNAVAILABLE',
        message: `task ${task.id}: agent "${name}" is not available: ${probe.reason ?? 'unknown reason'}`,
        location: field,
      });
    } else if ((fallback ?? name) === 'shell' && !task.run) {
      problems.push({
        code: 'MILESTONE_TASK_NOT_EXECUTABLE',
        message: `task ${task.id} has no \`run\` command for the shell agent (give it one, or an agent that reads \`prompt\`)`,
        location: field,
      });
    }
  }
  return { problems, probes };
}

/** Whether integration checks may revert a landed task (a plan or phase check, or a task verify). */
function mayRevert(plan: Plan): boolean {
  return Boolean(
    plan.verify || plan.phases || plan.defaults.verify || plan.tasks.some((t) => t.verify !== undefined),
  );
}

/** Why `name` runs nothing here: `agent "x" is disabled in config` or `is not configured (known: ...)`. */
export function unknownAgent(
  name: string,
  agents: { adapters: ReadonlyMap<string, unknown>; disabled: ReadonlySet<string> },
): string {
  return agents.disabled.has(name)
    ? `agent "${name}" is disabled in config`
    : `agent "${name}" is not configured (known: ${[...agents.adapters.keys()].join(', ')})`;
}
