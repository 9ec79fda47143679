import { analyzeGraph, type GraphAnalysis } from '../core/analysis.js';
import { PHASES, type Phase, type Plan } from '../core/types.js';
import { analyzeEstimates, type EstimatesArtifact } from './estimates.js';
import type { KiroClass } from './kiro.js';
import { planHash } from './plan-hash.js';
import type { RepoFacts } from './repo-facts.js';
import { analyzeRisks, type RisksArtifact, type Severity } from './risks.js';
import { analyzeScope, type ScopeArtifact } from './scope.js';
import { analyzeStrategy, type ExecutionStrategy, type StrategyArtifact } from './strategy.js';

/** How the planning analyses went: their wall time and what they found, for `plan --json`. */
export interface PlanningMetrics {
  /** Wall time of the four analyses, in milliseconds. */
  analysisMs: number;
  /** 0..1: the mean of the estimation confidence and the scope match rate. */
  confidence: number;
  /** 0..1, see {@link complexityScore}. */
  complexityScore: number;
}

/** One phase of the unified plan. */
export interface UnifiedPhase {
  phase: Phase;
  /** After the KIRO adjustments. */
  weight: number;
  tasks: number;
  /** PERT minutes. */
  expected: number;
}

/** One task of the unified plan: what the four analyses say about it. */
export interface UnifiedTask {
  id: string;
  phase: Phase;
  kiro: KiroClass;
  /** PERT minutes. */
  expected: number;
  /** Existing files its globs and words resolve to. */
  files: number;
  /** Ids of the (kept) risk findings naming it. */
  risks: string[];
  /** On the critical path. */
  critical: boolean;
}

/** The unified plan: the milestone's phases and tasks as execution will see them. */
export interface UnifiedArtifact {
  planId: string;
  title: string;
  phases: UnifiedPhase[];
  tasks: UnifiedTask[];
  strategy: ExecutionStrategy;
  strategyReason: string;
  metrics: PlanningMetrics;
}

/** Everything planning produced for one plan, in memory; see `writePlanningArtifacts`. */
export interface UnifiedPlanning {
  /** See `planHash`: which plan these were computed from. */
  planHash: string;
  scope: ScopeArtifact;
  estimates: EstimatesArtifact;
  risks: RisksArtifact;
  strategy: StrategyArtifact;
  unified: UnifiedArtifact;
}

/** Options of {@link runPlanningAnalyses}. */
export interface PlanningOptions {
  /** Agent counts of the makespan table, 1..maxAgents; default 16. */
  maxAgents?: number;
  /**
   * Milliseconds clock for `analysisMs` (the only impure input); default `process.hrtime`'s
   * (the global `performance` loads `node:perf_hooks` on first use, ~2 ms of a `plan` start).
   */
  clock?: () => number;
  /** `analyzeGraph(plan)` when the caller already has it (`plan` prints it too). */
  graph?: GraphAnalysis;
}

/**
 * Runs the four analysers, each an independent unit behind an async boundary so an LLM role can
 * replace one later: scope and estimation first, side by side; then risk and strategy, which
 * read the scope. The graph is analysed once and shared.
 */
export async function runPlanningAnalyses(
  plan: Plan,
  facts: RepoFacts,
  options: PlanningOptions = {},
): Promise<UnifiedPlanning> {
  const clock = options.clock ?? (() => Number(process.hrtime.bigint()) / 1e6);
  const started = clock();
  const graph = options.graph ?? analyzeGraph(plan);
  const maxAgents = options.maxAgents;
  const [scope, estimates] = await Promise.all([
    role(() => analyzeScope(plan, facts)),
    role(() => analyzeEstimates(plan, { graph, ...(maxAgents !== undefined && { maxAgents }) })),
  ]);
  const [risks, strategy] = await Promise.all([
    role(() => analyzeRisks(plan, facts, scope, graph)),
    role(() => analyzeStrategy(plan, facts, scope, graph)),
  ]);
  const metrics: PlanningMetrics = {
    analysisMs: clock() - started,
    confidence: (estimates.confidence + scope.matchRate) / 2,
    complexityScore: complexityScore(plan.tasks.length, scope.estimatedFileCount, risks.severities, graph),
  };
  return {
    planHash: planHash(plan),
    scope,
    estimates,
    risks,
    strategy,
    unified: unifiedPlan(plan, { scope, estimates, risks, strategy }, metrics),
  };
}

/** One analyser as an asynchronous unit. */
async function role<T>(run: () => T | Promise<T>): Promise<T> {
  return run();
}

/**
 * `0.3 t + 0.3 f + 0.2 r + 0.2 (1 - parallel score)`, where each factor saturates as
 * `x / (x + k)`: t over the task count with k = 20 (20 tasks, where complexity turns high, gives 0.5),
 * f over the estimated file count with k = 50 (50 files, likewise the high threshold), r over risk points (high 3, medium 2,
 * low 1) with k = 10.
 */
export function complexityScore(
  tasks: number,
  files: number,
  severities: Record<Severity, number>,
  graph: Pick<GraphAnalysis, 'parallelScore'>,
): number {
  const saturate = (x: number, k: number) => x / (x + k);
  const points = 3 * severities.high + 2 * severities.medium + severities.low;
  return (
    0.3 * saturate(tasks, 20) +
    0.3 * saturate(files, 50) +
    0.2 * saturate(points, 10) +
    0.2 * (1 - graph.parallelScore)
  );
}

function unifiedPlan(
  plan: Plan,
  parts: Omit<UnifiedPlanning, 'planHash' | 'unified'>,
  metrics: PlanningMetrics,
): UnifiedArtifact {
  const { scope, estimates, risks, strategy } = parts;
  const risksOf = new Map<string, string[]>();
  for (const finding of risks.findings) {
    for (const id of finding.tasks) {
      const ids = risksOf.get(id);
      if (ids) ids.push(finding.id);
      else risksOf.set(id, [finding.id]);
    }
  }
  const critical = new Set(estimates.criticalPath.path);
  return {
    planId: plan.id,
    title: plan.title,
    phases: PHASES.map((phase, p) => ({
      phase,
      weight: strategy.adjustedWeights[phase],
      tasks: estimates.phases[p]!.tasks,
      expected: estimates.phases[p]!.expected,
    })),
    tasks: plan.tasks.map((task, i) => ({
      id: task.id,
      phase: task.phase,
      kiro: strategy.tasks[i]!.kiro,
      expected: estimates.tasks[i]!.expected,
      files: scope.tasks[i]!.files.length + scope.tasks[i]!.wordFiles.length,
      risks: risksOf.get(task.id) ?? [],
      critical: critical.has(task.id),
    })),
    strategy: strategy.execution.strategy,
    strategyReason: strategy.execution.reason,
    metrics,
  };
}
