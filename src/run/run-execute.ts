import { hostname } from 'node:os';
import type { AgentAdapter, ProbeResult } from '../agents/adapter.js';
import type { Config } from '../config/config.js';
import { openQueuedRun } from '../distributed/queued-execute.js';
import type { EngineResult } from '../engine/coordinator.js';
import { runMilestone } from '../engine/coordinator.js';
import { lowerOwnPriority } from '../process/run-priority.js';
import type { Reporter } from '../report/reporter.js';
import { isPidAlive } from '../store/pid-alive.js';
import { checkBaseBranch } from '../workspace/base-check.js';
import { refuseIfLocked } from '../workspace/lease-check.js';
import type { PreparedExecute } from './prepare-execute.js';

/** The flags that tune a run (over config); `execute`'s options extend them. */
export interface RunFlags {
  /** `--remote`: the git remote the queue's workers share with this repository (default `origin`). */
  remote?: string | undefined;
  /**
   * Lower this whole process to the run's priority (config `limits.nice`, run-priority.ts), so its
   * git processes and agents inherit it: the CLI does. Without it (an embedding program keeps its
   * own priority) only the task processes are lowered.
   */
  lowerOwnPriority?: boolean | undefined;
  /** Milestone budget (overrides config `budget.milestone`). */
  maxCostUsd?: number | undefined;
  maxTokens?: number | undefined;
  /** Per-task budget (overrides config `budget.task`). */
  taskMaxCostUsd?: number | undefined;
  taskMaxTokens?: number | undefined;
  /** A task that fails for good keeps its worktree too (`--keep-failed`). */
  keepFailed?: boolean | undefined;
  /** `--max-wait`: longest a task waits for its agent's usage limit to reset. */
  maxWaitMs?: number | undefined;
  /** Test knobs: shorter retry backoff and kill grace. */
  retryBaseMs?: number | undefined;
  graceMs?: number | undefined;
}

/** How a prepared run runs: where its progress goes, what stops it, and its flags. */
export interface RunExecuteOptions extends RunFlags {
  reporter: Reporter;
  /** Stops the run (state saved, resumable). */
  signal: AbortSignal;
  /** Lines about the queue connection and its workers. */
  say: (line: string) => void;
  /**
   * Called once the run is about to start: the lease is free, the queue connected, the mode
   * recorded. The CLI installs its signal handlers and prints the run's first lines here.
   */
  started?: () => void;
}

/**
 * Runs a prepared `execute` (after `checkStartable`): refuses a milestone another coordinator
 * holds (before anything is written), checks the base branch, connects the queue, records the
 * mode, then runs the milestone with the lease (`runMilestone`). The queue's side is finished
 * whatever happens.
 */
export async function runExecute(
  prepared: PreparedExecute,
  options: RunExecuteOptions,
): Promise<EngineResult> {
  const { workspace, store, state, mode, concurrency } = prepared;
  const config = workspace.config;
  // Refused before anything is written or printed: a locked milestone's log stays as it was.
  refuseIfLocked(store, state.id, { pid: process.pid, host: hostname() });
  await checkBaseBranch(workspace.root, state);
  // Connected before the first write: a queue that can never work (TLS not trusted) changes nothing.
  const remote = prepared.queue
    ? await openQueuedRun({
        url: prepared.queue,
        repoRoot: workspace.root,
        remote: options.remote ?? 'origin',
        milestoneId: state.id,
        store,
        say: options.say,
      })
    : null;
  try {
    if (options.lowerOwnPriority) lowerOwnPriority(config.limits.nice);
    store.append(state.id, [
      {
        type: 'mode_selected',
        mode: mode.mode,
        reason: mode.reason,
        concurrency: concurrency.concurrency,
        ...(mode.decision && { adoption: mode.decision.adoption, wouldHave: mode.decision.wouldHave }),
      },
      ...(state.status === 'planned'
        ? [
            {
              type: 'mode_transition' as const,
              from: 'planning' as const,
              to: 'execution' as const,
              mode: mode.mode,
              concurrency: concurrency.concurrency,
            },
          ]
        : []),
    ]);
    options.started?.();
    return await runMilestone({
      ...(remote && { attemptRunner: remote.run }),
      repoRoot: workspace.root,
      storeDir: workspace.storeDir,
      store,
      config,
      milestoneId: state.id,
      mode: mode.mode,
      phases: prepared.phases,
      concurrency: concurrency.concurrency,
      adapters: prepared.adapters,
      agentOverride: prepared.agentOverride,
      reporter: options.reporter,
      worktreeRoot: prepared.worktreeRoot,
      signal: options.signal,
      me: { pid: process.pid, host: hostname() },
      isAlive: isPidAlive,
      available: await availableAgents(prepared.adapters, prepared.transition.probes, config),
      budget: {
        task: {
          costUsd: options.taskMaxCostUsd ?? config.budget.task.costUsd,
          tokens: options.taskMaxTokens ?? config.budget.task.tokens,
        },
        milestone: {
          costUsd: options.maxCostUsd ?? config.budget.milestone.costUsd,
          tokens: options.maxTokens ?? config.budget.milestone.tokens,
        },
        onExceed: config.budget.onExceed,
      },
      ...(options.keepFailed && { keepFailed: true }),
      ...(options.graceMs !== undefined && { graceMs: options.graceMs }),
      ...(options.retryBaseMs !== undefined && { retryBaseMs: options.retryBaseMs }),
      ...(options.maxWaitMs !== undefined && { maxWaitMs: options.maxWaitMs }),
    });
  } finally {
    await remote?.finish();
  }
}

/** Agents that can run here: the transition's probes, plus fallbacks and the resolver. */
async function availableAgents(
  adapters: Map<string, AgentAdapter>,
  probes: Map<string, ProbeResult>,
  config: Config,
): Promise<Set<string>> {
  const names = new Set([
    ...probes.keys(),
    ...Object.values(config.fallback).flat(),
    ...(config.resolver.agent ? [config.resolver.agent] : []),
  ]);
  const available = new Set<string>();
  for (const name of names) {
    const probe = probes.get(name) ?? (await adapters.get(name)?.probe());
    if (probe?.available) available.add(name);
  }
  return available;
}
