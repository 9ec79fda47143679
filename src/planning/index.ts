/**
 * Planning analyses (scope, estimation, risk, KIRO strategy), the unified plan and its
 * artifacts: pure analysers over a plan and {@link RepoFacts}, with `gatherRepoFacts`,
 * `writePlanningArtifacts` and `readPlanningArtifacts` as the I/O shell.
 */
export type {
  ArtifactHeader,
  PlanningArtifactName,
  PlanningArtifacts,
  PlanningProblem,
} from './artifacts.js';
export {
  PLANNING_ARTIFACTS,
  PLANNING_CODES,
  readPlanningArtifacts,
  writePlanningArtifacts,
} from './artifacts.js';
export type {
  EstimatesArtifact,
  EstimateTotal,
  MakespanPoint,
  PhaseEstimate,
  TaskEstimate,
} from './estimates.js';
export { analyzeEstimates, DEFAULT_MAX_AGENTS, UNESTIMATED_RELATIVE_STDDEV } from './estimates.js';
export type { KiroClass, KiroVerdict, WeightAdjustment } from './kiro.js';
export {
  adjustWeights,
  classifyTask,
  KIRO_CLASSES,
  kiroShares,
  ORIGINATE_SHARE_THRESHOLD,
  REMOVE_SHARE_THRESHOLD,
} from './kiro.js';
export { makespanCurve } from './makespan.js';
export { canonicalJson, planHash } from './plan-hash.js';
export type { RepoFacts, RepoFactsOptions } from './repo-facts.js';
export { DEFAULT_CHURN_COMMITS, gatherRepoFacts } from './repo-facts.js';
export type { RiskFinding, RiskRule, RisksArtifact, Severity } from './risks.js';
export {
  analyzeRisks,
  HOT_CHURN_PERCENTILE,
  hotChurnThreshold,
  LONG_TASK_MINUTES,
  LOW_PARALLEL_SCORE,
  LOW_PARALLELISM_MIN_TASKS,
  MAX_FINDINGS_PER_RULE,
  MIN_HOT_CHURN_COMMITS,
  RISK_RULES,
  SEVERITIES,
  VERY_LONG_TASK_MINUTES,
} from './risks.js';
export type { ComponentScope, ScopeArtifact, TaskScope } from './scope.js';
export {
  analyzeScope,
  componentOf,
  MAX_FILES_PER_WORD,
  MAX_WORD_FILES_PER_TASK,
  UNSPECIFIED_TASK_FILES,
} from './scope.js';
export type { ExecutionChoice, ExecutionStrategy, StrategyArtifact } from './strategy.js';
export {
  analyzeStrategy,
  chooseExecution,
  EXECUTION_STRATEGIES,
  FEW_EDGES_PER_TASK,
  PARALLEL_ABOVE,
  PIPELINE_MIN_BRANCHING,
  PIPELINE_MIN_DEPTH,
  SEQUENTIAL_BELOW,
} from './strategy.js';
export { formatPlanningSummary } from './summary.js';
export type {
  PlanningMetrics,
  PlanningOptions,
  UnifiedArtifact,
  UnifiedPhase,
  UnifiedPlanning,
  UnifiedTask,
} from './unified.js';
export { complexityScore, runPlanningAnalyses } from './unified.js';
