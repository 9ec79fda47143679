import type { Plan } from '../core/types.js';
import { PHASES } from '../core/types.js';

/** Complexity levels, lowest first. Compared by rank, never as strings. */
export const COMPLEXITY_LEVELS = ['low', 'medium', 'high'] as const;
export type ComplexityLevel = (typeof COMPLEXITY_LEVELS)[number];

/** Position of a level in {@link COMPLEXITY_LEVELS}: `low` 0 < `medium` 1 < `high` 2. */
export function levelRank(level: ComplexityLevel): number {
  return COMPLEXITY_LEVELS.indexOf(level);
}

/** `a >= b` for levels, by rank (as strings, `'low' > 'high'`). */
export function atLeast(a: ComplexityLevel, b: ComplexityLevel): boolean {
  return levelRank(a) >= levelRank(b);
}

/** The four factors complexity is judged on. */
export interface ComplexityFactors {
  phaseCount: number;
  taskCount: number;
  fileCount: number;
  /** Branches, merges and commits a parallel run makes. */
  gitOperations: number;
}

/** Thresholds: above `tasks` or `files` the level is reached (config `complexity`). */
export interface ComplexityThresholds {
  high: { tasks: number; files: number };
  medium: { tasks: number; files: number };
}

/** The assessment with the reason for its level, e.g. `high (27 tasks > 20)`. */
export interface Complexity {
  level: ComplexityLevel;
  factors: ComplexityFactors;
  reason: string;
}

/** Git operations of a parallel run: the milestone branch, per task a branch, a commit and a merge, per phase a commit. */
export function gitOperations(plan: Plan): number {
  const phases = PHASES.filter((phase) => plan.tasks.some((t) => t.phase === phase)).length;
  return 1 + 3 * plan.tasks.length + phases;
}

/** Factors of a plan; `fileCount` comes from the scope analysis when there is one. */
export function complexityFactors(plan: Plan, fileCount: number): ComplexityFactors {
  return {
    phaseCount: PHASES.filter((phase) => plan.tasks.some((t) => t.phase === phase)).length,
    taskCount: plan.tasks.length,
    fileCount,
    gitOperations: gitOperations(plan),
  };
}

/** Default thresholds: tasks > 20 or files > 50 is high; tasks > 10 or files > 20 medium; else low. */
export function assessComplexity(factors: ComplexityFactors, thresholds: ComplexityThresholds): Complexity {
  for (const level of ['high', 'medium'] as const) {
    const limit = thresholds[level];
    if (factors.taskCount > limit.tasks) {
      return { level, factors, reason: `${level} complexity (${factors.taskCount} tasks > ${limit.tasks})` };
    }
    if (factors.fileCount > limit.files) {
      return { level, factors, reason: `${level} complexity (${factors.fileCount} files > ${limit.files})` };
    }
  }
  const { medium } = thresholds;
  return {
    level: 'low',
    factors,
    reason: `low complexity (${factors.taskCount} tasks <= ${medium.tasks}, ${factors.fileCount} files <= ${medium.files})`,
  };
}
