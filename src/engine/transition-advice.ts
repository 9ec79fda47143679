import type { AgentAdapter, ProbeResult } from '../agents/adapter.js';
import type { MilestoneState } from '../core/projection.js';
import type { TaskSpec } from '../core/types.js';
import type { Problem } from '../errors.js';

/** The field a task's agent problem points at (see `checkTransition`). */
export function agentField(taskId: string): string {
  return `tasks[${taskId}].agent`;
}

/** Whether an agent can run a task at all: the shell agent runs `run`, coding agents read `prompt`. */
function canRun(agent: string, task: TaskSpec): boolean {
  if (agent === 'shell') return Boolean(task.run);
  if (agent === 'exec') return Boolean(task.run || task.prompt);
  return Boolean(task.prompt);
}

/**
 * The fix that works for a refused transition, as commands to type: `--agent NAME` naming an
 * available agent that can run every task without an agent of its own, a plan replacement for
 * tasks that name their agent, the analyses again for stale artifacts.
 */
export async function transitionAdvice(input: {
  state: MilestoneState;
  problems: readonly Problem[];
  adapters: Map<string, AgentAdapter>;
  probes: Map<string, ProbeResult>;
  agentOverride: string | undefined;
  /** The `execute` command line without `--agent`, e.g. `milestone execute add-login`. */
  command: string;
}): Promise<string[]> {
  const { state } = input;
  const advice: string[] = [];
  const agentProblems = input.problems.filter(
    (p) => p.code === 'MILESTONE_AGENT_UNAVAILABLE' || p.code === 'MILESTONE_AGENT_UNKNOWN',
  );
  if (agentProblems.length > 0) {
    const open = state.plan.tasks.filter((t) => !state.tasks[t.id]?.merged);
    const inheriting = open.filter((t) => !t.agent);
    const naming = open.filter((t) => t.agent);
    const usable: string[] = [];
    for (const [name, adapter] of input.adapters) {
      if (name === input.agentOverride) continue;
      let probe = input.probes.get(name);
      if (!probe) {
        probe = await adapter.probe();
        input.probes.set(name, probe);
      }
      if (probe.available && inheriting.every((t) => canRun(name, t))) usable.push(name);
    }
    if (inheriting.length > 0 && usable.length > 0) {
      advice.push(
        `run the tasks without an agent of their own with an available one: ${input.command} --agent ${usable[0]}${usable.length > 1 ? `   (available: ${usable.join(', ')})` : ''}`,
      );
    } else if (inheriting.length > 0) {
      advice.push(
        'no available agent can run these tasks: install the agent named above (see `milestone agents`), or give the tasks `run` commands for the shell agent',
      );
    }
    // Which task a problem is about is data on it (its field), not a prefix of its message.
    const stuck = naming.filter((t) => agentProblems.some((p) => p.location?.field === agentField(t.id)));
    if (stuck.length > 0) {
      const file = state.source?.file ?? 'FILE';
      advice.push(
        `${stuck.map((t) => t.id).join(', ')} name${stuck.length === 1 ? 's' : ''} an unavailable agent in the plan: install it, or change \`agent:\` in ${file} and run \`milestone plan --from ${file} --replace ${state.id}\``,
      );
    }
  }
  if (input.problems.some((p) => p.code.startsWith('MILESTONE_PLANNING') || p.code.includes('ARTIFACT'))) {
    advice.push(`re-run the planning analyses: milestone plan --id ${state.id}`);
  }
  return advice;
}
