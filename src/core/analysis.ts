import { type CriticalPath, type FileOverlap, graphFigures, parallelScoreFrom } from './graph.js';
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

/** Analyses a validated plan's task graph. Pure. */
export function analyzeGraph(plan: Plan): GraphAnalysis {
  const figures = graphFigures(plan.tasks);
  return {
    ...figures,
    parallelScore: parallelScoreFrom(figures.criticalPath.length, figures.totalWork),
    maxWaveWidth: figures.waves.reduce((max, wave) => Math.max(max, wave.length), 0),
  };
}
