import { cpus, freemem } from 'node:os';
import type { AgentAdapter } from '../agents/adapter.js';
import { resolveAgents } from '../agents/registry.js';
import { plural } from '../core/duration.js';
import type { MilestoneState } from '../core/projection.js';
import type { Phase } from '../core/types.js';
import { PHASES } from '../core/types.js';
import { blockingGate, gateMessage, gateState } from '../decision/gates.js';
import { measuredHistory } from '../decision/history.js';
import type { Decision } from '../decision/mode.js';
import type { ConcurrencyChoice } from '../decision/resources.js';
import { chooseConcurrency } from '../decision/resources.js';
import type { QueueUrl } from '../distributed/queue-url.js';
import { agentsOnWorkers, queueOf } from '../distributed/queued-execute.js';
import { checkMilestoneBranchFree } from '../engine/branch-guard.js';
import { phasesToRun } from '../engine/coordinator.js';
import { type ExecutePreflight, executePreflight } from '../engine/execute-preflight.js';
import { repoWorktreeDir } from '../engine/naming.js';
import { checkTransition, type TransitionCheck } from '../engine/transition.js';
import { transitionAdvice } from '../engine/transition-advice.js';
import { ExitError, formatProblem, UsageError } from '../errors.js';
import type { Store } from '../store/store.js';
import { cancelledAdvice } from '../workspace/cancelled-advice.js';
import { planFileChanged } from '../workspace/plan-lineage.js';
import { resolveMilestone } from '../workspace/resolve.js';
import { resumedConcurrency } from '../workspace/resume-settings.js';
import type { Workspace } from '../workspace/workspace.js';
import { worktreeRoot } from '../workspace/worktree-root.js';
import { chooseMode, type ModeChoice, scopeFileCount } from './choose-mode.js';

/** What a front end asks of `execute` (the CLI's flags; the MCP tool's arguments). */
export interface ExecuteRequest {
  /** The milestone; resolved like every command's id (the only one when absent). */
  id?: string | undefined;
  phase?: Phase | undefined;
  mode?: string | undefined;
  concurrency?: number | undefined;
  agent?: string | undefined;
  /** `--queue redis://...`: tasks run on `milestone worker` processes (docs/distributed.md); else config `queue:`. */
  queue?: string | undefined;
  /** A dry run: the disk check of the preflight runs too. */
  dryRun: boolean;
  /** Environment for the worktree root and the queue password. */
  env: Record<string, string | undefined>;
}

/** A run decided but not started: everything `execute` says or refuses before it writes. */
export interface PreparedExecute {
  workspace: Workspace;
  store: Store;
  state: MilestoneState;
  phases: Phase[];
  /** Where task worktrees go. */
  worktreeRoot: string;
  queue: QueueUrl | null;
  worktrees: ExecutePreflight;
  concurrency: ConcurrencyChoice;
  adapters: Map<string, AgentAdapter>;
  /** `--agent`: the agent for tasks that name none. */
  agentOverride: string | undefined;
  transition: TransitionCheck;
  mode: ModeChoice & { decision: Decision | null };
  /** The commands that fix the transition's problems (empty when there are none). */
  advice: string[];
}

/**
 * Prepares a run of `execute` (and `--dry-run`) below any front end: resolves the milestone,
 * checks the phase and the milestone branch, runs the worktree preflight, chooses the
 * concurrency, resolves and probes the agents, checks the planning-to-execution transition and
 * decides the mode. Writes nothing; `note` gets lines worth saying on the way (a plan file that
 * changed since it was stored). Bad input throws a `UsageError` (exit 2).
 */
export async function prepareExecute(
  workspace: Workspace,
  store: Store,
  request: ExecuteRequest,
  note: (line: string) => void,
): Promise<PreparedExecute> {
  const state = resolveMilestone(store, request.id);
  if (state.status === 'cancelled') {
    throw new UsageError('MILESTONE_CANCELLED', cancelledAdvice(state));
  }
  const changed = planFileChanged(workspace, state);
  if (changed) note(changed);
  if (request.phase && !(PHASES as readonly string[]).includes(request.phase)) {
    throw new UsageError('MILESTONE_BAD_PHASE', `--phase must be one of ${PHASES.join(', ')}`);
  }
  checkPhase(state, request.phase);
  const root = worktreeRoot(workspace, request.env);
  await checkMilestoneBranchFree({
    repoRoot: workspace.root,
    branch: state.branch,
    base: state.base,
    milestoneId: state.id,
    engineDir: repoWorktreeDir(root, workspace.root, state.id),
  });
  const phases = phasesToRun(request.phase);
  const queue = queueOf(request.queue, workspace.config.queue, request.env);
  const worktrees = await executePreflight({
    repoRoot: workspace.root,
    configFile: workspace.configFile,
    worktreeRoot: root,
    config: workspace.config,
    state,
    phases,
    history: store.list(),
    cpus: cpus().length,
    disk: request.dryRun,
  });
  const concurrency =
    resumedConcurrency(store, state.id, {
      resuming: state.status !== 'planned',
      flag: request.concurrency,
    }) ??
    worktrees.concurrency(
      chooseConcurrency(request.concurrency, workspace.config.concurrency, {
        cpus: cpus().length,
        freeMemoryBytes: freemem(),
      }),
    );
  const { adapters, problems, disabled } = resolveAgents(workspace.config.agents, {
    file: workspace.configFile,
    baseDir: workspace.root,
    roles: { resolver: workspace.config.resolver.agent, fallback: workspace.config.fallback },
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
    agentOverride: request.agent,
    fallback: workspace.config.fallback,
  });
  const available = [...transition.probes.values()].filter((p) => p.available).length;
  const chosen = chooseMode(request.mode, state, {
    config: workspace.config,
    history: measuredHistory(store.list().filter((m) => m.id !== state.id)),
    fileCount: scopeFileCount(workspace.milestonesDir, state),
    agentsNeeded: transition.probes.size,
    agentsAvailable: available,
    concurrency: concurrency.concurrency,
  });
  const mode = worktrees.mode(chosen, request.mode, concurrency.concurrency);
  const advice = transition.problems.length
    ? await transitionAdvice({
        state,
        problems: transition.problems,
        adapters,
        probes: transition.probes,
        agentOverride: request.agent,
        command: `milestone execute ${state.id}${request.phase ? ` --phase ${request.phase}` : ''}`,
      })
    : [];
  return {
    workspace,
    store,
    state,
    phases,
    worktreeRoot: root,
    queue,
    worktrees,
    concurrency,
    adapters,
    agentOverride: request.agent,
    transition,
    mode,
    advice,
  };
}

/** `--phase X` needs every task of the earlier phases landed. */
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

/**
 * What a dry run would be refused for, as the error it ends with (exit 2, with the fix), or
 * null when the run could start.
 */
export function dryRunRefusal(prepared: PreparedExecute): UsageError | null {
  const refusals = [...prepared.transition.problems, ...prepared.worktrees.problems];
  if (refusals.length === 0) return null;
  return new UsageError(
    'MILESTONE_WOULD_REFUSE',
    [
      `execute ${prepared.state.id} would refuse to start:`,
      ...refusals.map((problem) => `  ${formatProblem(problem)}`),
      ...prepared.advice.map((line) => `fix: ${line}`),
    ].join('\n'),
  );
}

/**
 * Refuses a run that cannot start: link/copy sources missing, planning incomplete (with the
 * commands that fix it), or a review gate that rejected or asked for changes.
 */
export function checkStartable(prepared: PreparedExecute): void {
  const { state, worktrees, transition, workspace } = prepared;
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
        ...prepared.advice.map((line) => `fix: ${line}`),
      ].join('\n'),
    );
  }
  const blocked = blockingGate(state, workspace.config);
  const gate = blocked ? gateState(state, workspace.config, blocked) : null;
  if (blocked && (gate === 'rejected' || gate === 'changes_requested')) {
    throw new ExitError('MILESTONE_GATE_BLOCKED', gateMessage(state, workspace.config, blocked));
  }
}
