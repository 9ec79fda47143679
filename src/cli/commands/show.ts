import { join } from 'node:path';
import { analyzeGraph } from '../../core/analysis.js';
import type { MilestoneState } from '../../core/projection.js';
import { PHASES } from '../../core/types.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import type { UnifiedPlanning } from '../../planning/unified.js';
import { formatAnalysis } from '../../report/analysis-text.js';
import { formatStatus, statusView } from '../../report/status-view.js';
import { resolveMilestone } from '../../workspace/resolve.js';
import { openWorkspace, withReadStore } from '../../workspace/workspace.js';
import { worktreeRoot } from '../../workspace/worktree-root.js';
import { conflictsOf, formatConflict } from '../conflict-advice.js';

export interface ShowOptions {
  cwd: string;
  io: Io;
  /** Optional when exactly one milestone is active. */
  id?: string | undefined;
  json: boolean;
}

/**
 * Shows one milestone: status, plan analysis, tasks by phase, review history, commits. It prints
 * the plan's analysis, so it reads the one milestone's whole state (plan included); the other
 * milestones are resolved from their headers only.
 */
export async function show(options: ShowOptions): Promise<void> {
  const workspace = await openWorkspace(options.cwd);
  const where = { repoRoot: workspace.root, worktreeRoot: worktreeRoot(workspace, process.env) };
  const { state, view, conflicts } = await withReadStore(workspace, (store) => {
    const found = resolveMilestone(store, options.id);
    const statusDocument = statusView(found, workspace.config);
    const tasks = statusDocument.tasks;
    return {
      state: found,
      view: statusDocument,
      conflicts: conflictsOf(store, { id: found.id, branch: found.branch, tasks }, where),
    };
  });
  const analysis = analyzeGraph(state.plan);
  if (options.json) {
    printJson(options.io, {
      ...view,
      plan: state.plan,
      analysis,
      reviews: state.reviews,
      commits: state.commits,
      phaseCommits: state.phaseCommits,
      conflicts,
    });
    return;
  }
  const io = options.io;
  // What only the text prints (its hashes would load node:crypto for `--json` too).
  const [{ planFileChanged }, planning] = await Promise.all([
    import('../../workspace/plan-file-changed.js'),
    storedPlanning(workspace.milestonesDir, state),
  ]);
  const changed = planFileChanged(workspace, state);
  if (changed) io.err(changed);
  io.out(formatStatus(view));
  for (const conflict of conflicts) io.out(`\n${formatConflict(state.branch, conflict).join('\n')}`);
  if (state.plan.description) io.out(`\n${state.plan.description}`);
  io.out(`\n${formatAnalysis(state.plan, analysis)}`);
  if (planning) io.out(`\n${planning}`);
  else io.out('\nplanning analyses: missing or out of date (`milestone plan --id <id>` runs them again)');
  for (const phase of PHASES) {
    const tasks = view.tasks.filter((t) => t.phase === phase);
    if (tasks.length === 0) continue;
    io.out(`\n${phase}:`);
    for (const task of tasks) {
      const needs = task.needs.length ? `  (needs ${task.needs.join(', ')})` : '';
      io.out(`  ${task.status.padEnd(10)} ${task.id.padEnd(24)} ${task.title}${needs}`);
    }
  }
  if (state.reviews.length > 0) {
    io.out('\nreviews:');
    for (const review of state.reviews) {
      io.out(
        `  ${review.at}  ${review.phase.padEnd(8)} ${review.decision}${review.comment ? `: ${review.comment}` : ''}`,
      );
    }
  }
  if (state.commits.length > 0)
    io.out(`\ncommits on ${state.branch}: ${state.commits.length}, head ${state.head}`);
}

/** The summary of the stored planning artifacts, when all five exist and match the plan. */
async function storedPlanning(milestonesDir: string, state: MilestoneState): Promise<string | null> {
  const [{ readPlanningArtifacts }, { planHash }, { formatPlanningSummary }] = await Promise.all([
    import('../../planning/artifacts.js'),
    import('../../planning/plan-hash.js'),
    import('../../planning/summary.js'),
  ]);
  const hash = planHash(state.plan);
  const { artifacts, problems } = readPlanningArtifacts(join(milestonesDir, state.id, 'planning'), {
    planHash: hash,
  });
  const { scope, estimates, risks, strategy, unified } = artifacts;
  if (problems.length || !scope || !estimates || !risks || !strategy || !unified) return null;
  const planning: UnifiedPlanning = { planHash: hash, scope, estimates, risks, strategy, unified };
  return formatPlanningSummary(planning);
}
