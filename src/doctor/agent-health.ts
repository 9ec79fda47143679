import type { AgentAdapter } from '../agents/adapter.js';
import type { MilestoneState } from '../core/projection.js';
import type { Finding } from './finding.js';

/** Milestones whose tasks may still run: their agents must be ready. */
const UNFINISHED = new Set(['planned', 'executing', 'paused', 'failed']);

/** The agents something here will ask for: unfinished milestones' tasks, the planner, the resolver. */
export function neededAgents(
  states: readonly MilestoneState[],
  roles: { planner: string | null; resolver: string | null },
): Map<string, string> {
  const needed = new Map<string, string>();
  for (const state of states) {
    if (!UNFINISHED.has(state.status)) continue;
    for (const task of state.plan.tasks) {
      const agent = task.agent ?? state.plan.defaults.agent;
      if (!needed.has(agent)) needed.set(agent, `task ${state.id}/${task.id}`);
    }
  }
  if (roles.planner) needed.set(roles.planner, 'planner.agent');
  if (roles.resolver) needed.set(roles.resolver, 'resolver.agent');
  return needed;
}

/**
 * Probes every agent the way `milestone agents` does: found on PATH, its version, and where the
 * CLI can tell without a model call (`claude auth status`), whether it is logged in. No tokens
 * are spent. An unavailable agent something needs is for a person; any other is a note.
 */
export async function checkAgents(
  adapters: ReadonlyMap<string, AgentAdapter>,
  needed: ReadonlyMap<string, string>,
): Promise<Finding[]> {
  const findings = await Promise.all(
    [...adapters.values()].map(async (adapter): Promise<Finding> => {
      const probe = await adapter.probe();
      const user = needed.get(adapter.name);
      if (probe.available) {
        const login = probe.loggedIn === true ? ', logged in' : '';
        return {
          check: 'agents',
          status: 'ok',
          message: `${adapter.name} available${probe.version ? ` (${probe.version}${login})` : login}`,
        };
      }
      const reason = probe.reason ?? 'unavailable';
      return user
        ? {
            check: 'agents',
            status: 'person',
            message: `${adapter.name} is needed by ${user} but unavailable: ${reason}`,
            action:
              probe.loggedIn === false
                ? `log ${adapter.name} in`
                : `install ${adapter.name} or change the plan's agent`,
          }
        : {
            check: 'agents',
            status: 'note',
            message: `${adapter.name} unavailable: ${reason} (nothing here needs it)`,
          };
    }),
  );
  for (const [name, user] of needed) {
    if (!adapters.has(name))
      findings.push({
        check: 'agents',
        status: 'person',
        message: `${user} names agent ${name}, which is not configured`,
        action: `add agents.${name} to .milestones/config.yaml or change the plan`,
      });
  }
  return findings;
}
