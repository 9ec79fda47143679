import {
  type CriticalPath,
  type FileOverlap,
  type GraphBasis,
  graphBasis,
  graphFigures,
  parallelScoreFrom,
} from './graph.js';
import type { Plan } from './types.js';

/** What `milestone show`, `visualize` and `execute --dry-run` print about a plan's graph. */
export interface GraphAnalysis {
  /** Task ids in an order that respects phases and `needs`. */
  order: string[];
  /** Tasks that can run side by side, wave after wave, phase after phase. */
  waves: string[][];
  criticalPath: CriticalPath;
  /** Summed work of all tasks, in minutes. */
  totalWork: number;
  /** `1 - criticalPath.length / totalWork`; the mode decision runs agents in parallel only above 0.6. */
  parallelScore: number;
  /** Same-phase task pairs that may touch the same files and are not ordered by `needs`. */
  overlaps: FileOverlap[];
  /** Size of the widest wave: the most tasks that could ever run at once. */
  maxWaveWidth: number;
}

/** The basis each analysis was computed from (the planning analyses reuse it), by analysis. */
const bases = new WeakMap<GraphAnalysis, { tasks: Plan['tasks']; basis: GraphBasis }>();

/** Analyses a validated plan's task graph. Pure. */
export function analyzeGraph(plan: Plan): GraphAnalysis {
  const basis = graphBasis(plan.tasks);
  const figures = graphFigures(plan.tasks, basis);
  const analysis = {
    ...figures,
    parallelScore: parallelScoreFrom(figures.criticalPath.length, figures.totalWork),
    maxWaveWidth: figures.waves.reduce((max, wave) => Math.max(max, wave.length), 0),
  };
  bases.set(analysis, { tasks: plan.tasks, basis });
  return analysis;
}

/**
 * The {@link GraphBasis} `analysis` was computed from, when it is `analyzeGraph` of `plan`'s very
 * task list (in this thread); else `undefined`.
 */
export function knownGraphBasis(plan: Plan, analysis: GraphAnalysis | undefined): GraphBasis | undefined {
  const known = analysis && bases.get(analysis);
  return known?.tasks === plan.tasks ? known.basis : undefined;
}
