import { analyzeGraph, type GraphAnalysis, knownGraphBasis } from '../core/analysis.js';
import { workOf } from '../core/graph.js';
import type { PhaseWeights, Plan } from '../core/types.js';
import { adjustWeights, classifyTask, type KiroClass, type KiroVerdict, kiroShares } from './kiro.js';
import type { RepoFacts } from './repo-facts.js';
import type { ScopeArtifact, TaskScope } from './scope.js';

/** How the execute run should spread tasks over agents. */
export const EXECUTION_STRATEGIES = ['sequential', 'parallel-independent', 'pipeline', 'adaptive'] as const;
export type ExecutionStrategy = (typeof EXECUTION_STRATEGIES)[number];

/** The chosen execution strategy and the graph figures behind it. */
export interface ExecutionChoice {
  strategy: ExecutionStrategy;
  /** One line saying why. */
  reason: string;
  parallelScore: number;
  /** Same-phase dependency edges (cross-phase ones are implied by the phase barriers). */
  edges: number;
  /** Most waves (dependency levels) within one phase. */
  depth: number;
  /** Share of waves holding more than one task. */
  branchingShare: number;
}

/** What the KIRO strategy analysis found. */
export interface StrategyArtifact {
  /** Per task, in plan order. */
  tasks: KiroVerdict[];
  /** Share of the work in each class (PERT work, as the estimates). */
  shares: Record<KiroClass, number>;
  /** The plan's weights. */
  weights: PhaseWeights;
  /** After the KIRO adjustments; equal to `weights` when none applied. */
  adjustedWeights: PhaseWeights;
  /** The adjustments that applied, one sentence each. */
  adjustments: string[];
  execution: ExecutionChoice;
}

/** Below this parallel score the work is one chain: run it in order. */
export const SEQUENTIAL_BELOW = 0.3;
/** Above this parallel score (where the mode decision starts to run agents in parallel), with few edges: fan out. */
export const PARALLEL_ABOVE = 0.6;
/** "Few edges": at most this many same-phase edges per task. */
export const FEW_EDGES_PER_TASK = 0.25;
/** A pipeline needs chains at least this many waves deep in some phase... */
export const PIPELINE_MIN_DEPTH = 3;
/** ...and parallel branches in at least this share of the waves. */
export const PIPELINE_MIN_BRANCHING = 0.5;

/**
 * KIRO classes, shares and weight adjustments, and the execution strategy. Pure. File existence
 * comes through `scope` (resolved against `facts`); `facts` itself is taken for the signature
 * every analyser shares, so a later role can read the repository.
 */
export function analyzeStrategy(
  plan: Plan,
  _facts: RepoFacts,
  scope: ScopeArtifact,
  graph: GraphAnalysis = analyzeGraph(plan),
): StrategyArtifact {
  const empty = { id: '', files: [], wordFiles: [], newPaths: [] };
  let scopes: Map<string, TaskScope> | undefined; // only when the scope is not in plan order
  const tasks: KiroVerdict[] = [];
  for (let i = 0; i < plan.tasks.length; i++) {
    const task = plan.tasks[i]!;
    let taskScope = scope.tasks[i];
    if (taskScope?.id !== task.id) {
      scopes ??= new Map(scope.tasks.map((entry) => [entry.id, entry] as const));
      taskScope = scopes.get(task.id) ?? empty;
    }
    tasks.push(classifyTask(task, taskScope));
  }
  const basis = knownGraphBasis(plan, graph);
  const shares = kiroShares(tasks, basis?.work ?? workOf(plan.tasks));
  const adjusted = adjustWeights(plan.weights, shares);
  return {
    tasks,
    shares,
    weights: { ...plan.weights },
    adjustedWeights: adjusted.weights,
    adjustments: adjusted.applied,
    execution: chooseExecution(plan, graph),
  };
}

/**
 * `sequential` below {@link SEQUENTIAL_BELOW}; `parallel-independent` above
 * {@link PARALLEL_ABOVE} with few edges; `pipeline` when some phase has chains
 * {@link PIPELINE_MIN_DEPTH} waves deep and most waves branch; `adaptive` otherwise.
 */
export function chooseExecution(plan: Plan, graph: GraphAnalysis): ExecutionChoice {
  const { edges, depth } = edgesAndDepth(plan, graph);
  const branching = graph.waves.filter((wave) => wave.length > 1).length;
  const branchingShare = graph.waves.length > 0 ? branching / graph.waves.length : 0;
  const score = graph.parallelScore;
  const figures = { parallelScore: score, edges, depth, branchingShare };
  const s = score.toFixed(2);
  const tasks = plan.tasks.length;
  if (score < SEQUENTIAL_BELOW) {
    return {
      strategy: 'sequential',
      reason: `parallel score ${s} < ${SEQUENTIAL_BELOW}: the work is mostly one chain`,
      ...figures,
    };
  }
  if (score > PARALLEL_ABOVE && edges <= FEW_EDGES_PER_TASK * tasks) {
    return {
      strategy: 'parallel-independent',
      reason: `parallel score ${s} > ${PARALLEL_ABOVE} and ${edges} same-phase edge(s) for ${tasks} tasks: tasks are mostly independent`,
      ...figures,
    };
  }
  if (depth >= PIPELINE_MIN_DEPTH && branchingShare >= PIPELINE_MIN_BRANCHING) {
    return {
      strategy: 'pipeline',
      reason: `chains ${depth} waves deep with parallel branches in ${Math.round(branchingShare * 100)}% of waves: start each task as soon as its needs land`,
      ...figures,
    };
  }
  return {
    strategy: 'adaptive',
    reason: `parallel score ${s}, ${edges} edge(s), ${depth} wave(s) deep: mixed shape, let the scheduler fill free agents`,
    ...figures,
  };
}

/**
 * Same-phase edges (each distinct need once) and the most waves of one phase. From the graph's
 * index when `graph` is `analyzeGraph` of this plan (its same-phase dependencies are exactly
 * those edges), else from the plan.
 */
function edgesAndDepth(plan: Plan, graph: GraphAnalysis): { edges: number; depth: number } {
  const basis = knownGraphBasis(plan, graph);
  if (basis) {
    const { deps, index, phase } = basis.graph;
    let edges = 0;
    for (let i = 0; i < deps.length; i++) edges += deps[i]!.length;
    const waves = [0, 0, 0, 0];
    for (let w = 0; w < graph.waves.length; w++) waves[phase[index.get(graph.waves[w]![0]!)!]!]!++;
    return { edges, depth: Math.max(0, ...waves) };
  }
  const phaseOf = new Map(plan.tasks.map((task) => [task.id, task.phase] as const));
  let edges = 0;
  for (const task of plan.tasks) {
    for (const need of new Set(task.needs)) if (phaseOf.get(need) === task.phase) edges++;
  }
  const depthByPhase = new Map<string, number>();
  for (const wave of graph.waves) {
    const phase = phaseOf.get(wave[0]!)!;
    depthByPhase.set(phase, (depthByPhase.get(phase) ?? 0) + 1);
  }
  return { edges, depth: Math.max(0, ...depthByPhase.values()) };
}
