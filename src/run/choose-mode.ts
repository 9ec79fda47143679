import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { analyzeGraph } from '../core/analysis.js';
import type { MilestoneState } from '../core/projection.js';
import type { Mode } from '../core/types.js';
import { MODES } from '../core/types.js';
import { assessComplexity, complexityFactors } from '../decision/complexity.js';
import type { Decision, History } from '../decision/mode.js';
import { decideMode } from '../decision/mode.js';
import { UsageError } from '../errors.js';
import { readPlanningArtifacts } from '../planning/index.js';

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
export function chooseMode(
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
export function scopeFileCount(milestonesDir: string, state: MilestoneState): number {
  const scope = readPlanningArtifacts(join(milestonesDir, state.id, 'planning')).artifacts.scope;
  if (scope) return scope.estimatedFileCount;
  return new Set(state.plan.tasks.flatMap((t) => t.files)).size;
}
