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

/** How to install the built-in coding agents' programs (the npm packages docs/agents.md runs). */
const INSTALL: Record<string, string> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  gemini: 'npm install -g @google/gemini-cli',
};

/** What makes a missing agent usable: install its program, or configure it (an unknown name). */
export function makeAvailable(name: string, problem: Problem | undefined): string {
  if (problem?.code === 'MILESTONE_AGENT_UNKNOWN' && problem.message.endsWith('is disabled in config'))
    return `enable it in .milestones/config.yaml (agents.${name})`;
  if (problem?.code === 'MILESTONE_AGENT_UNKNOWN')
    return `configure it in .milestones/config.yaml, e.g. agents: { ${name}: { type: exec, command: ["tools/bot.js"] } } (an executable, found from the repository root; the exec protocol: README)`;
  const install = INSTALL[name];
  return install
    ? `install ${name} (${install}, then log in once)`
    : `make ${name} available (see \`milestone agents\`)`;
}

/**
 * The fix that works for a refused transition, as commands to type: `--agent NAME` naming an
 * available agent that can run every task without an agent of its own (only when such a task is
 * the one refused), installing or configuring the agent a task names, a plan replacement for tasks
 * that name their agent, the analyses again for stale artifacts.
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
    const file = state.source?.file ?? 'FILE';
    const replan = `\`milestone plan --from ${file} --replace ${state.id}\``;
    // Which task a problem is about is data on it (its field), not a prefix of its message.
    const problemOf = (task: TaskSpec) =>
      agentProblems.find((p) => p.location?.field === agentField(task.id));
    const open = state.plan.tasks.filter((t) => !state.tasks[t.id]?.merged);
    const inheriting = open.filter((t) => !t.agent);
    const stuckInheriting = inheriting.filter((t) => problemOf(t));
    const stuckNaming = open.filter((t) => t.agent && problemOf(t));
    if (stuckInheriting.length > 0) {
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
      const name = input.agentOverride ?? state.plan.defaults.agent;
      const where = input.agentOverride
        ? `--agent ${name}`
        : `the plan's default agent (defaults.agent in ${file}, else shell)`;
      if (usable.length > 0)
        advice.push(
          `run the tasks without an agent of their own with an available one: ${input.command} --agent ${usable[0]}${usable.length > 1 ? `   (available: ${usable.join(', ')})` : ''}`,
        );
      advice.push(
        `${stuckInheriting.length === 1 ? `${stuckInheriting[0]!.id} runs` : `${stuckInheriting.length} tasks run`} on ${name}, ${where}: ${makeAvailable(name, problemOf(stuckInheriting[0]!))}${input.agentOverride ? '' : `, or change defaults.agent in ${file} and run ${replan}`}`,
      );
    }
    const byAgent = new Map<string, TaskSpec[]>();
    for (const task of stuckNaming) byAgent.set(task.agent!, [...(byAgent.get(task.agent!) ?? []), task]);
    for (const [name, tasks] of byAgent) {
      advice.push(
        `${tasks.map((t) => t.id).join(', ')} name${tasks.length === 1 ? 's' : ''} agent ${name} in the plan: ${makeAvailable(name, problemOf(tasks[0]!))}, or change \`agent:\` in ${file} and run ${replan}`,
      );
    }
  }
  if (input.problems.some((p) => p.code.startsWith('MILESTONE_PLANNING') || p.code.includes('ARTIFACT'))) {
    advice.push(`re-run the planning analyses: milestone plan --id ${state.id}`);
  }
  return advice;
}
