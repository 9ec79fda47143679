import { join } from 'node:path';
import { resolveAgents } from '../agents/registry.js';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../errors.js';
import type { Io } from '../io/io.js';
import type { Workspace } from '../workspace/workspace.js';
import type { PlannerSource } from './choose-planner.js';
import { choosePlanner } from './choose-planner.js';
import type { PlannerOutcome } from './planner.js';
import { planWithAgent } from './planner.js';
import { gatherRepoContext } from './repo-context.js';

/** `milestone plan "<title>"` without `--from`: what the command passes on. */
export interface AgentPlanRequest {
  workspace: Workspace;
  io: Io;
  title: string;
  id: string;
  description?: string | undefined;
  /** `--planner NAME`; else config `planner.agent`; else the first available coding agent. */
  planner?: string | undefined;
  /** `--max-attempts N`; else config `planner.maxAttempts`. */
  maxAttempts?: number | undefined;
  /** `--agent NAME`: the agent tasks run with; else the planner's own. */
  taskAgent?: string | undefined;
  /** Stops planning (SIGINT and SIGTERM do too). */
  signal?: AbortSignal | undefined;
}

/** A plan an agent wrote, and who wrote it. */
export interface AgentPlanResult extends PlannerOutcome {
  /** The planner agent's name. */
  agent: string;
  /** How it was chosen. */
  source: PlannerSource;
}

/**
 * The shell around {@link planWithAgent}: resolves and probes the planner agent, gathers the
 * repository overview, logs under the runtime store, tells the person at the terminal (stderr)
 * how each attempt went, and turns SIGINT/SIGTERM into a clean stop.
 */
export async function planFromAgent(request: AgentPlanRequest): Promise<AgentPlanResult> {
  const { workspace, io } = request;
  const config = workspace.config.planner;
  const { adapters, problems } = resolveAgents(workspace.config.agents, {
    file: workspace.configFile,
    baseDir: workspace.root,
  });
  if (problems.length) {
    throw new UsageError('MILESTONE_CONFIG', `invalid agents in ${workspace.configFile}`, problems);
  }
  const named =
    request.planner !== undefined
      ? { name: request.planner, source: 'flag' as const }
      : config.agent !== null
        ? { name: config.agent, source: 'config' as const }
        : null;
  const { adapter, source } = await choosePlanner(adapters, named);
  const context = await gatherRepoContext(workspace.root);
  const maxAttempts = request.maxAttempts ?? config.maxAttempts;
  io.err(`planning ${request.id} with ${adapter.name} (read-only, at most ${maxAttempts} attempts)`);

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
  try {
    const outcome = await planWithAgent({
      adapter,
      title: request.title,
      id: request.id,
      ...(request.description === undefined ? {} : { description: request.description }),
      context,
      repoRoot: workspace.root,
      maxAttempts,
      // The config schema accepts only durations.
      timeoutMs: (parseDuration(config.timeout) ?? 20) * 60_000,
      signal,
      logDir: join(workspace.storeDir, 'logs', request.id),
      ...(request.taskAgent === undefined ? {} : { taskAgent: request.taskAgent }),
      onAttempt: (note) => {
        if (note.type === 'started') {
          io.err(`  attempt ${note.attempt}/${note.maxAttempts} (log ${note.logFile})`);
          return;
        }
        const count = `${note.problems.length} problem${note.problems.length === 1 ? '' : 's'}`;
        io.err(
          `  attempt ${note.attempt} rejected (${count})${note.willRetry ? '; retrying with them' : ''}`,
        );
        for (const problem of note.problems.slice(0, 5)) io.err(`    - ${problem}`);
        if (note.problems.length > 5) io.err(`    ... ${note.problems.length - 5} more`);
      },
    });
    return { ...outcome, agent: adapter.name, source };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
