import { resolve } from 'node:path';
import { resolveAgents } from '../../agents/registry.js';
import { analyzeGraph } from '../../core/analysis.js';
import { formatDuration, plural } from '../../core/duration.js';
import type { Plan } from '../../core/types.js';
import { unknownAgent } from '../../engine/transition.js';
import { makeAvailable } from '../../engine/transition-advice.js';
import type { Problem } from '../../errors.js';
import { formatProblem, UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { loadPlanFile } from '../../plan/load.js';
import type { Locate } from '../../plan/problems.js';
import { openWorkspace } from '../../workspace/workspace.js';

export interface ValidateOptions {
  cwd: string;
  io: Io;
  file: string;
  json: boolean;
}

/** The outcome of `validate`. */
export interface ValidateResult {
  valid: boolean;
  format: string | null;
  problems: Problem[];
  /** The fixes of the problems found against config, as `execute` gives them. */
  advice: string[];
  summary: { id: string; title: string; tasks: number; criticalPath: string; parallelScore: number } | null;
}

/**
 * Checks a plan file and reports every problem found, not only the first: the plan's own, then
 * each agent it names that the config of the repository around `cwd` (outside one: the built-in
 * agents) does not define, as `execute` would refuse it, with its advice. Works outside a git
 * repository and writes nothing. Exit 2 when there is any problem.
 */
export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const parsed = await loadPlanFile(resolve(options.cwd, options.file));
  const advice: string[] = [];
  if (parsed.plan && parsed.problems.length === 0) {
    const checked = await checkAgents(parsed.plan, options, parsed.locate);
    parsed.problems.push(...checked.problems);
    advice.push(...checked.advice);
  }
  let summary: ValidateResult['summary'] = null;
  if (parsed.plan && parsed.problems.length === 0) {
    const analysis = analyzeGraph(parsed.plan);
    summary = {
      id: parsed.plan.id,
      title: parsed.plan.title,
      tasks: parsed.plan.tasks.length,
      criticalPath: formatDuration(analysis.criticalPath.length),
      parallelScore: Math.round(analysis.parallelScore * 100) / 100,
    };
  }
  const result: ValidateResult = {
    valid: parsed.problems.length === 0,
    format: parsed.format,
    problems: parsed.problems,
    advice,
    summary,
  };
  if (options.json) printJson(options.io, result);
  else if (summary) {
    options.io.out(
      `${options.file}: valid ${parsed.format} plan "${summary.title}" (id ${summary.id}): ${plural(summary.tasks, 'task')}, critical path ${summary.criticalPath}, parallel score ${summary.parallelScore}`,
    );
  } else {
    for (const problem of parsed.problems) options.io.err(formatProblem(problem));
    for (const line of advice) options.io.err(`fix: ${line}`);
  }
  if (!result.valid) {
    // Already printed above; the error carries no problems so they are not printed twice.
    throw new UsageError(
      'MILESTONE_PLAN_INVALID',
      problemsSummary(options.file, resolve(options.cwd, options.file), parsed.problems),
    );
  }
  return result;
}

/**
 * The closing line: how many problems, and in which file where not all are the plan file's (the
 * config's agent problems are the repository's): `plan.json is fine; 2 problems found in
 * /repo/.milestones/config.yaml`.
 */
function problemsSummary(file: string, path: string, problems: readonly Problem[]): string {
  const elsewhere = new Map<string, number>();
  let own = 0;
  for (const problem of problems) {
    const where = problem.location?.file;
    if (where === undefined || where === file || where === path) own++;
    else elsewhere.set(where, (elsewhere.get(where) ?? 0) + 1);
  }
  const others = [...elsewhere].map(([where, count]) => `${plural(count, 'problem')} found in ${where}`);
  if (own === 0) return `${file} is fine; ${others.join(', ')}`;
  return [`${file}: ${plural(own, 'problem')} found`, ...others].join('; ');
}

/**
 * The agents the plan names that this repository's config does not define (or disables), each
 * placed at its `agent:` field (a task's, else `defaults.agent`), and the config's own agent
 * problems. Whether an agent's program is installed is not checked: that is the machine's, for
 * `execute` and `milestone agents` to say.
 */
async function checkAgents(
  plan: Plan,
  options: ValidateOptions,
  locate: Locate | undefined,
): Promise<{ problems: Problem[]; advice: string[] }> {
  const workspace = await openWorkspace(options.cwd).catch((error: unknown) => {
    if (error instanceof UsageError && error.code === 'MILESTONE_NOT_A_REPO') return null;
    throw error;
  });
  const agents = resolveAgents(
    workspace?.config.agents,
    workspace
      ? {
          file: workspace.configFile,
          baseDir: workspace.root,
          roles: { resolver: workspace.config.resolver.agent, fallback: workspace.config.fallback },
        }
      : {},
  );
  const problems: Problem[] = [...agents.problems];
  const advice: string[] = [];
  const byAgent = new Map<string, { name: string; ids: string[]; own: boolean; problem: Problem }>();
  plan.tasks.forEach((task, index) => {
    const name = task.agent ?? plan.defaults.agent;
    if (agents.adapters.has(name)) return;
    const own = task.agent !== undefined;
    const key = `${own ? 'task' : 'default'}\0${name}`;
    const known = byAgent.get(key);
    if (known) {
      known.ids.push(task.id);
      if (!own) return;
    }
    const path = own ? ['tasks', index, 'agent'] : ['defaults', 'agent'];
    const problem: Problem = {
      code: 'MILESTONE_AGENT_UNKNOWN',
      message: own
        ? `task ${task.id}: ${unknownAgent(name, agents)}`
        : `tasks without an agent of their own: ${unknownAgent(name, agents)}`,
      location: locate
        ? locate(path)
        : { file: options.file, field: own ? `tasks[${task.id}].agent` : 'defaults.agent' },
    };
    if (!known) byAgent.set(key, { name, ids: [task.id], own, problem });
    if (own || !known) problems.push(problem);
  });
  for (const { name, ids, own, problem } of byAgent.values()) {
    advice.push(
      own
        ? `${ids.join(', ')} name${ids.length === 1 ? 's' : ''} agent ${name} in the plan: ${makeAvailable(name, problem)}, or change \`agent:\` in ${options.file}`
        : `${ids.length === 1 ? `${ids[0]} runs` : `${ids.length} tasks run`} on ${name}, the plan's default agent (defaults.agent in ${options.file}): ${makeAvailable(name, problem)}, or change defaults.agent in ${options.file}`,
    );
  }
  return { problems, advice };
}
