import { existsSync } from 'node:fs';
import { cpus, freemem, hostname } from 'node:os';
import { join } from 'node:path';
import type { AgentAdapter, ProbeResult } from '../../agents/adapter.js';
import { resolveAgents } from '../../agents/registry.js';
import type { Config } from '../../config/config.js';
import { analyzeGraph } from '../../core/analysis.js';
import { formatSpan, plural } from '../../core/duration.js';
import type { MilestoneState } from '../../core/projection.js';
import type { Mode, Phase } from '../../core/types.js';
import { MODES, PHASES } from '../../core/types.js';
import { assessComplexity, complexityFactors } from '../../decision/complexity.js';
import { blockingGate, gateMessage, gateState } from '../../decision/gates.js';
import { measuredHistory } from '../../decision/history.js';
import type { Decision, History } from '../../decision/mode.js';
import { decideMode, modeLine } from '../../decision/mode.js';
import type { ConcurrencyChoice } from '../../decision/resources.js';
import { chooseConcurrency } from '../../decision/resources.js';
import { agentsOnWorkers, openQueuedRun, queueOf } from '../../distributed/queued-execute.js';
import { checkMilestoneBranchFree } from '../../engine/branch-guard.js';
import { formatSpend, sumUsage } from '../../engine/budget.js';
import type { EngineResult } from '../../engine/coordinator.js';
import { phasesToRun, runMilestone } from '../../engine/coordinator.js';
import { executePreflight } from '../../engine/execute-preflight.js';
import { repoWorktreeDir } from '../../engine/naming.js';
import { checkTransition } from '../../engine/transition.js';
import { transitionAdvice } from '../../engine/transition-advice.js';
import { EXIT, ExitError, formatProblem, UsageError } from '../../errors.js';
import { requireGit } from '../../git/git-on-path.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { startNotifier } from '../../notify/notifier.js';
import { readPlanningArtifacts } from '../../planning/index.js';
import { lowerOwnPriority } from '../../process/run-priority.js';
import { openLiveView } from '../../report/live-view-session.js';
import type { Reporter } from '../../report/reporter.js';
import { compositeReporter, ndjsonReporter, textReporter } from '../../report/reporter.js';
import { isPidAlive } from '../../store/pid-alive.js';
import { checkBaseBranch } from '../../workspace/base-check.js';
import { refuseIfLocked } from '../../workspace/lease-check.js';
import { planFileChanged } from '../../workspace/plan-lineage.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { resumedConcurrency } from '../../workspace/resume-settings.js';
import { openWorkspace, withExistingStore } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';
import { cancelledAdvice, nextAfterRun } from '../advice.js';
import { conflictSteps, formatConflict } from '../conflict-advice.js';

export interface ExecuteOptions {
  cwd: string;
  io: Io;
  id?: string | undefined;
  phase?: Phase | undefined;
  mode?: string | undefined;
  concurrency?: number | undefined;
  agent?: string | undefined;
  dryRun: boolean;
  json: boolean;
  verbose?: boolean;
  /** Stops the run like SIGINT does (tests, embedding). The CLI wires SIGINT/SIGTERM to it. */
  signal?: AbortSignal;
  /** Extra reporter (tests, embedding). */
  reporter?: Reporter;
  /** Environment for locating the state directory; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
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
  retryBaseMs?: number;
  graceMs?: number;
  /** `--queue redis://...`: tasks run on `milestone worker` processes (docs/distributed.md). */
  queue?: string | undefined;
  /** `--remote`: the git remote the workers share with this repository (default `origin`). */
  remote?: string | undefined;
  /**
   * Lower this whole process to the run's priority (config `limits.nice`, run-priority.ts), so its
   * git processes and agents inherit it: the CLI does. Without it (an embedding program keeps its
   * own priority) only the task processes are lowered.
   */
  lowerOwnPriority?: boolean;
}

/** The mode a run uses and one line saying why. */
export interface ModeChoice {
  mode: Mode;
  reason: string;
}

/**
 * The mode of this run: a resumed run keeps its mode (switching from agents to direct halfway
 * would strand kept branches); otherwise the decision layer decides from complexity, parallel
 * score, agent availability, the adoption level and measured history.
 */
function chooseMode(
  requested: string | undefined,
  state: MilestoneState,
  context: {
    config: Config;
    history: History | null;
    fileCount: number;
    agentsNeeded: number;
    agentsAvailable: number;
    concurrency: number;
  },
): ModeChoice & { decision: Decision | null } {
  if (requested && requested !== 'auto' && !(MODES as readonly string[]).includes(requested)) {
    throw new UsageError(
      'MILESTONE_BAD_MODE',
      `--mode must be one of auto, ${MODES.join(', ')} (got "${requested}")`,
    );
  }
  const wanted = (requested ?? 'auto') as 'auto' | Mode;
  if (wanted === 'auto' && state.mode && state.status !== 'planned') {
    return {
      mode: state.mode,
      reason: `resuming in ${state.mode} mode, as the previous run`,
      decision: null,
    };
  }
  const fromPlan =
    wanted === 'auto' && state.mode && state.modeReason === 'requested with plan --mode'
      ? state.mode
      : wanted;
  const decision = decideMode({
    requested: fromPlan,
    adoption: context.config.adoption,
    complexity: assessComplexity(complexityFactors(state.plan, context.fileCount), context.config.complexity),
    parallelScore: analyzeGraph(state.plan).parallelScore,
    agentsAvailable: context.agentsAvailable,
    agentsNeeded: context.agentsNeeded,
    concurrency: context.concurrency,
    history: context.history,
  });
  return { mode: decision.mode, reason: decision.reason, decision };
}

/** Files the milestone touches, from the scope artifact; the distinct `files` globs without one. */
function scopeFileCount(milestonesDir: string, state: MilestoneState): number {
  const scope = readPlanningArtifacts(join(milestonesDir, state.id, 'planning')).artifacts.scope;
  if (scope) return scope.estimatedFileCount;
  return new Set(state.plan.tasks.flatMap((t) => t.files)).size;
}

function checkPhase(state: MilestoneState, phase: Phase | undefined): void {
  if (!phase) return;
  const earlier = PHASES.slice(0, PHASES.indexOf(phase));
  const open = state.plan.tasks.filter((t) => earlier.includes(t.phase) && !state.tasks[t.id]!.merged);
  if (open.length > 0) {
    throw new UsageError(
      'MILESTONE_PHASE_BLOCKED',
      `phase ${phase} cannot start: ${plural(open.length, 'task')} of earlier phases ${open.length === 1 ? 'has' : 'have'} not landed (${open
        .slice(0, 5)
        .map((t) => t.id)
        .join(', ')}); run \`milestone execute ${state.id}\` or \`--phase ${open[0]!.phase}\` first`,
    );
  }
}

function dryRun(
  io: Io,
  state: MilestoneState,
  mode: ModeChoice,
  concurrency: ConcurrencyChoice,
  phases: Phase[],
  json: boolean,
): void {
  const plan = {
    ...state.plan,
    tasks: state.plan.tasks.filter((t) => phases.includes(t.phase) && !state.tasks[t.id]!.merged),
  };
  const analysis = analyzeGraph(plan);
  if (json) {
    printJson(io, {
      id: state.id,
      mode: mode.mode,
      modeReason: mode.reason,
      concurrency: concurrency.concurrency,
      phases,
      waves: analysis.waves,
      criticalPath: analysis.criticalPath,
      parallelScore: analysis.parallelScore,
      overlaps: analysis.overlaps,
    });
    return;
  }
  io.out(`dry run of ${state.id}: nothing will be changed`);
  io.out(modeLine(mode.mode, mode.reason));
  io.out(`concurrency ${concurrency.explanation}`);
  io.out(
    `critical path ${formatSpan(analysis.criticalPath.length)}: ${analysis.criticalPath.path.join(' -> ') || '(nothing to run)'}`,
  );
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  analysis.waves.forEach((wave, index) => {
    const phase = byId.get(wave[0]!)?.phase;
    const parallel = mode.mode === 'agents' || (mode.mode === 'hybrid' && phase === 'execute');
    io.out(
      `wave ${index + 1} [${phase}${parallel ? `, up to ${Math.min(concurrency.concurrency, wave.length)} at once` : ', one at a time'}]: ${wave.join(', ')}`,
    );
  });
  for (const overlap of analysis.overlaps)
    io.out(`serialized (files overlap): ${overlap.a} and ${overlap.b}`);
}

/** The report printed when a run stops on failures or conflicts. */
export function failureReport(id: string, branch: string, result: EngineResult, repoRoot = ''): string {
  const lines: string[] = [];
  for (const failed of result.failed)
    lines.push(`failed: ${failed.taskId}: ${failed.reason}\n  log: ${failed.log}`);
  for (const conflict of result.conflicted) {
    const worktreeExists = existsSync(conflict.worktree);
    const steps = conflictSteps({
      milestoneId: id,
      milestoneBranch: branch,
      taskBranch: conflict.branch,
      worktree: conflict.worktree,
      worktreeExists,
      repoRoot,
    });
    const advice = { ...conflict, worktreeExists, reason: conflict.reason ?? null, steps };
    lines.push(...formatConflict(branch, advice));
  }
  if (result.skipped.length)
    lines.push(`skipped (a task they need did not land): ${result.skipped.join(', ')}`);
  lines.push(`run \`milestone execute ${id}\` again to retry what did not land.`);
  return lines.join('\n');
}

/**
 * Runs (or resumes) a planned milestone. Exit 0 when the requested phases landed, 1 when a task
 * failed or conflicted, 3 when another coordinator holds it, 130 when interrupted.
 */
export async function execute(options: ExecuteOptions): Promise<EngineResult | null> {
  requireGit(options.cwd);
  const workspace = await openWorkspace(options.cwd);
  const env = options.env ?? process.env;
  return withExistingStore(workspace, async (store) => {
    const state = resolveMilestone(store, options.id);
    if (state.status === 'cancelled') {
      throw new UsageError('MILESTONE_CANCELLED', cancelledAdvice(state));
    }
    const changed = planFileChanged(workspace, state);
    if (changed) options.io.err(changed);
    if (options.phase && !(PHASES as readonly string[]).includes(options.phase)) {
      throw new UsageError('MILESTONE_BAD_PHASE', `--phase must be one of ${PHASES.join(', ')}`);
    }
    checkPhase(state, options.phase);
    await checkMilestoneBranchFree({
      repoRoot: workspace.root,
      branch: state.branch,
      base: state.base,
      milestoneId: state.id,
      engineDir: repoWorktreeDir(worktreeRoot(workspace, env), workspace.root, state.id),
    });
    const phases = phasesToRun(options.phase);
    const queue = queueOf(options.queue, workspace.config.queue, env);
    const worktrees = await executePreflight({
      repoRoot: workspace.root,
      configFile: workspace.configFile,
      worktreeRoot: worktreeRoot(workspace, env),
      config: workspace.config,
      state,
      phases,
      history: store.list(),
      cpus: cpus().length,
      disk: options.dryRun,
    });
    const concurrency =
      resumedConcurrency(store, state.id, {
        resuming: state.status !== 'planned',
        flag: options.concurrency,
      }) ??
      worktrees.concurrency(
        chooseConcurrency(options.concurrency, workspace.config.concurrency, {
          cpus: cpus().length,
          freeMemoryBytes: freemem(),
        }),
      );
    const { adapters, problems, disabled } = resolveAgents(workspace.config.agents, {
      file: workspace.configFile,
      baseDir: workspace.root,
    });
    if (problems.length)
      throw new UsageError('MILESTONE_CONFIG', `invalid agents in ${workspace.configFile}`, problems);
    if (queue) agentsOnWorkers(adapters);
    const transition = await checkTransition({
      state,
      milestonesDir: workspace.milestonesDir,
      adapters,
      disabled,
      phases,
      agentOverride: options.agent,
      fallback: workspace.config.fallback,
    });
    const available = [...transition.probes.values()].filter((p) => p.available).length;
    const chosen = chooseMode(options.mode, state, {
      config: workspace.config,
      history: measuredHistory(store.list().filter((m) => m.id !== state.id)),
      fileCount: scopeFileCount(workspace.milestonesDir, state),
      agentsNeeded: transition.probes.size,
      agentsAvailable: available,
      concurrency: concurrency.concurrency,
    });
    const mode = worktrees.mode(chosen, options.mode, concurrency.concurrency);
    const advice = transition.problems.length
      ? await transitionAdvice({
          state,
          problems: transition.problems,
          adapters,
          probes: transition.probes,
          agentOverride: options.agent,
          command: `milestone execute ${state.id}${options.phase ? ` --phase ${options.phase}` : ''}`,
        })
      : [];
    if (options.dryRun) {
      dryRun(options.io, state, mode, concurrency, phases, options.json);
      for (const line of worktrees.lines(mode.mode, concurrency.concurrency))
        options.json ? options.io.err(line) : options.io.out(line);
      const refusals = [...transition.problems, ...worktrees.problems];
      if (refusals.length === 0) return null;
      // A dry run that would be refused says so by its exit code too (2), with the fix.
      throw new UsageError(
        'MILESTONE_WOULD_REFUSE',
        [
          `execute ${state.id} would refuse to start:`,
          ...refusals.map((problem) => `  ${formatProblem(problem)}`),
          ...advice.map((line) => `fix: ${line}`),
        ].join('\n'),
      );
    }
    if (worktrees.problems.length > 0) {
      throw new UsageError(
        'MILESTONE_CONFIG',
        'worktrees.link / worktrees.copy name paths that do not exist',
        worktrees.problems,
      );
    }
    if (transition.problems.length > 0) {
      throw new UsageError(
        'MILESTONE_PLANNING_INCOMPLETE',
        [
          `execute ${state.id} cannot start:`,
          ...transition.problems.map((problem) => `  ${formatProblem(problem)}`),
          ...advice.map((line) => `fix: ${line}`),
        ].join('\n'),
      );
    }
    const blocked = blockingGate(state, workspace.config);
    const gate = blocked ? gateState(state, workspace.config, blocked) : null;
    if (blocked && (gate === 'rejected' || gate === 'changes_requested')) {
      throw new ExitError('MILESTONE_GATE_BLOCKED', gateMessage(state, workspace.config, blocked));
    }

    const write = (line: string) => options.io.out(line);
    const live = openLiveView({
      isTTY: options.io.isTTY,
      json: options.json,
      env,
      store,
      workspace,
      id: state.id,
    });
    const reporters: Reporter[] = [
      live?.reporter ??
        (options.json ? ndjsonReporter(write) : textReporter(write, { verbose: options.verbose ?? false })),
    ];
    const notifier = startNotifier({
      config: workspace.config,
      read: () => store.state(state.id),
      env,
      cwd: workspace.root,
      say: (line, bell) => (live ? live.note(line, bell) : options.io.err(bell ? `\u0007${line}` : line)),
    });
    reporters.push(notifier.reporter);
    if (options.reporter) reporters.push(options.reporter);
    const reporter = compositeReporter(reporters);
    // Refused before anything is written or printed: a locked milestone's log stays as it was.
    refuseIfLocked(store, state.id, { pid: process.pid, host: hostname() });
    await checkBaseBranch(workspace.root, state);
    // Connected before the first write: a queue that can never work (TLS not trusted) changes nothing.
    const remote = queue
      ? await openQueuedRun({
          url: queue,
          repoRoot: workspace.root,
          remote: options.remote ?? 'origin',
          milestoneId: state.id,
          store,
          say: (line) => options.io.err(line),
        })
      : null;
    if (options.lowerOwnPriority) lowerOwnPriority(workspace.config.limits.nice);
    const stop = new AbortController();
    // Kept for the whole run: a second or third Ctrl-C must not kill the process halfway
    // through saving state; the first one already asked everything to stop.
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
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
    if (!options.json) {
      options.io.err(`executing ${state.id} (${state.title}) on ${state.branch}`);
      options.io.err(`${modeLine(mode.mode, mode.reason)}; concurrency ${concurrency.explanation}`);
      for (const line of worktrees.lines(mode.mode, concurrency.concurrency)) options.io.err(line);
    }
    let result: EngineResult;
    try {
      result = await runMilestone({
        ...(remote && { attemptRunner: remote.run }),
        repoRoot: workspace.root,
        storeDir: workspace.storeDir,
        store,
        config: workspace.config,
        milestoneId: state.id,
        mode: mode.mode,
        phases,
        concurrency: concurrency.concurrency,
        adapters,
        agentOverride: options.agent,
        reporter,
        worktreeRoot: worktreeRoot(workspace, env),
        signal,
        me: { pid: process.pid, host: hostname() },
        isAlive: isPidAlive,
        available: await availableAgents(adapters, transition.probes, workspace.config),
        budget: {
          task: {
            costUsd: options.taskMaxCostUsd ?? workspace.config.budget.task.costUsd,
            tokens: options.taskMaxTokens ?? workspace.config.budget.task.tokens,
          },
          milestone: {
            costUsd: options.maxCostUsd ?? workspace.config.budget.milestone.costUsd,
            tokens: options.maxTokens ?? workspace.config.budget.milestone.tokens,
          },
          onExceed: workspace.config.budget.onExceed,
        },
        ...(options.keepFailed && { keepFailed: true }),
        ...(options.graceMs !== undefined && { graceMs: options.graceMs }),
        ...(options.retryBaseMs !== undefined && { retryBaseMs: options.retryBaseMs }),
        ...(options.maxWaitMs !== undefined && { maxWaitMs: options.maxWaitMs }),
      });
    } finally {
      await remote?.finish();
      live?.stop();
      await notifier.close();
      // Once interrupted the process is about to end: the handler stays, so more Ctrl-C presses
      // while the state is saved and the message printed cannot kill it without a word.
      if (!stop.signal.aborted) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
    const final = store.state(state.id)!;
    const head = final.head ? ` (head ${final.head.slice(0, 10)})` : '';
    if (result.interrupted) {
      throw new ExitError(
        'MILESTONE_INTERRUPTED',
        `interrupted: state saved; run \`milestone execute ${state.id}\` to resume`,
        EXIT.interrupted,
      );
    }
    if (result.halted) {
      const spent = sumUsage(Object.values(final.tasks).map((t) => t.usage));
      throw new ExitError(
        result.halted.code,
        `milestone ${state.id} stopped: ${result.halted.message}\nspent so far: ${formatSpend(spent)}\n${failureReport(state.id, final.branch, result, workspace.root)}`,
      );
    }
    if (result.status === 'failed') {
      throw new ExitError(
        'MILESTONE_TASKS_FAILED',
        `milestone ${state.id} stopped\n${failureReport(state.id, final.branch, result, workspace.root)}`,
      );
    }
    const summary =
      result.status === 'completed'
        ? `completed: every task landed on ${final.branch}${head}`
        : result.pausedAt
          ? `paused${head}: ${gateMessage(final, workspace.config, result.pausedAt)}`
          : `paused after ${phases.join(', ')}${head}`;
    if (!options.json)
      options.io.err(`${summary}\n${nextAfterRun({ id: state.id, status: result.status }, result.pausedAt)}`);
    return result;
  });
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
