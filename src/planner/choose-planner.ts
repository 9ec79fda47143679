import type { AgentAdapter } from '../agents/adapter.js';
import { UsageError } from '../errors.js';

/** Agents tried, in this order, when neither `--planner` nor `planner.agent` names one. */
export const PLANNER_PREFERENCE = ['claude', 'codex', 'gemini'] as const;

/** Where the planner's name came from, for messages. */
export type PlannerSource = 'flag' | 'config' | 'default';

/**
 * The planner agent: the one named (by `--planner` or config), which must exist and be
 * available, else the first available of {@link PLANNER_PREFERENCE}. Anything else is a
 * {@link UsageError} (exit 2) that says to install an agent or pass `--from`.
 */
export async function choosePlanner(
  adapters: ReadonlyMap<string, AgentAdapter>,
  requested: { name: string; source: Exclude<PlannerSource, 'default'> } | null,
): Promise<{ adapter: AgentAdapter; source: PlannerSource }> {
  if (requested) {
    const where = requested.source === 'flag' ? '--planner' : 'planner.agent in the config';
    const adapter = adapters.get(requested.name);
    if (!adapter) {
      throw new UsageError(
        'MILESTONE_PLANNER_UNKNOWN',
        `${where} names agent "${requested.name}", which does not exist (agents: ${[...adapters.keys()].sort().join(', ')})`,
      );
    }
    const probe = await adapter.probe();
    if (!probe.available) {
      throw new UsageError(
        'MILESTONE_PLANNER_UNAVAILABLE',
        `planner agent "${requested.name}" (${where}) cannot run here: ${probe.reason ?? 'unavailable'}; install it, choose another with --planner NAME, or plan from a file with --from FILE`,
      );
    }
    return { adapter, source: requested.source };
  }
  const candidates = PLANNER_PREFERENCE.map((name) => adapters.get(name)).filter(
    (adapter): adapter is AgentAdapter => adapter !== undefined,
  );
  // Probes only look for a program and ask its version: side by side they cost one.
  const probes = await Promise.all(candidates.map((adapter) => adapter.probe()));
  const index = probes.findIndex((probe) => probe.available);
  const chosen = index >= 0 ? candidates[index] : undefined;
  if (chosen) return { adapter: chosen, source: 'default' };
  const reasons = candidates.map((adapter, i) => `${adapter.name}: ${probes[i]?.reason ?? 'unavailable'}`);
  throw new UsageError(
    'MILESTONE_NO_PLANNER',
    `no planner agent available (${reasons.join('; ') || `${PLANNER_PREFERENCE.join(', ')} are disabled`}): install Claude Code, Codex CLI or Gemini CLI, name another agent with --planner NAME, or plan from a file with --from FILE`,
  );
}
