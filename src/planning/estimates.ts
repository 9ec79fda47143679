import { analyzeGraph, type GraphAnalysis, knownGraphBasis } from '../core/analysis.js';
import { pertStdDev } from '../core/duration.js';
import { graphBasis } from '../core/graph.js';
import { PHASES, type Phase, type Plan } from '../core/types.js';
import { makespanCurve } from './makespan.js';

/** One task's expected duration. */
export interface TaskEstimate {
  id: string;
  phase: Phase;
  /** PERT expectation in minutes; for an unestimated task, the mean of its phase's estimated tasks (1 if none). */
  expected: number;
  /** PERT standard deviation in minutes; for an unestimated task, {@link UNESTIMATED_RELATIVE_STDDEV} x expected. */
  stdDev: number;
  /** Whether the plan gives the estimate (else it is the phase mean). */
  estimated: boolean;
}

/** Summed expectation of a group of tasks; deviations add as variances (tasks independent). */
export interface EstimateTotal {
  expected: number;
  stdDev: number;
}

/** One phase's totals. */
export interface PhaseEstimate extends EstimateTotal {
  phase: Phase;
  tasks: number;
  estimatedTasks: number;
}

/** Expected wall time with a number of agents. */
export interface MakespanPoint {
  agents: number;
  /** Minutes, by the list-scheduling simulation of {@link makespanCurve}. */
  minutes: number;
  /** `minutes with 1 agent / minutes`: higher is better, like every speedup here. */
  speedup: number;
}

/** What the estimation analysis found. */
export interface EstimatesArtifact {
  tasks: TaskEstimate[];
  /** All four phases, in order, empty ones included. */
  phases: PhaseEstimate[];
  total: EstimateTotal;
  /** The longest chain of work (core/graph.ts), with the deviation along it. */
  criticalPath: { path: string[]; length: number; stdDev: number };
  /** `1 - criticalPath / total work`, as in core/graph.ts. */
  parallelScore: number;
  /** For 1..maxAgents agents. */
  makespan: MakespanPoint[];
  /** Share of tasks with an explicit estimate, 0..1 (0 for an empty plan). */
  confidence: number;
}

/** Spread assumed for a task without an estimate: a guess, so a wide one. */
export const UNESTIMATED_RELATIVE_STDDEV = 0.5;
/** Agent counts the makespan table covers by default. */
export const DEFAULT_MAX_AGENTS = 16;

/**
 * PERT per task and phase, the critical path, makespan for 1..`maxAgents` agents and the share
 * of estimated tasks. Pure; pass `graph` when it is already computed for the plan.
 */
export function analyzeEstimates(
  plan: Plan,
  options: { maxAgents?: number; graph?: GraphAnalysis } = {},
): EstimatesArtifact {
  const graph = options.graph ?? analyzeGraph(plan);
  const basis = knownGraphBasis(plan, graph) ?? graphBasis(plan.tasks);
  const work = basis.work;
  // One indexed pass for the tasks, the phases' sums and the totals: this runs once per `plan`,
  // mostly before V8 optimises it, where every `filter` and `for of` is another walk and allocation.
  // Each sum adds in plan order, as one sum per group would.
  const tasks: TaskEstimate[] = [];
  const phaseIndex = basis.graph.phase;
  const phaseTasks = [0, 0, 0, 0];
  const phaseEstimated = [0, 0, 0, 0];
  const phaseExpected = [0, 0, 0, 0];
  const phaseVariance = [0, 0, 0, 0];
  let expectedSum = 0;
  let varianceSum = 0;
  let estimatedCount = 0;
  for (let i = 0; i < plan.tasks.length; i++) {
    const task = plan.tasks[i]!;
    const expected = work[i]!;
    const estimated = task.estimate !== undefined;
    const stdDev = task.estimate ? pertStdDev(task.estimate) : expected * UNESTIMATED_RELATIVE_STDDEV;
    tasks.push({ id: task.id, phase: task.phase, expected, stdDev, estimated });
    const p = phaseIndex[i]!;
    phaseTasks[p]!++;
    if (estimated) {
      phaseEstimated[p]!++;
      estimatedCount++;
    }
    const variance = stdDev * stdDev;
    phaseExpected[p]! += expected;
    phaseVariance[p]! += variance;
    expectedSum += expected;
    varianceSum += variance;
  }
  const phases = PHASES.map(
    (phase, p): PhaseEstimate => ({
      phase,
      tasks: phaseTasks[p]!,
      estimatedTasks: phaseEstimated[p]!,
      expected: phaseExpected[p]!,
      stdDev: Math.sqrt(phaseVariance[p]!),
    }),
  );
  const path = graph.criticalPath.path;
  let pathVariance = 0;
  for (let k = 0; k < path.length; k++) {
    const i = basis.graph.index.get(path[k]!)!;
    pathVariance += tasks[i]!.stdDev * tasks[i]!.stdDev;
  }
  const curve = makespanCurve(plan.tasks, Math.max(1, options.maxAgents ?? DEFAULT_MAX_AGENTS), basis);
  const single = curve[0]!;
  return {
    tasks,
    phases,
    total: { expected: expectedSum, stdDev: Math.sqrt(varianceSum) },
    criticalPath: {
      path,
      length: graph.criticalPath.length,
      stdDev: Math.sqrt(pathVariance),
    },
    parallelScore: graph.parallelScore,
    makespan: curve.map((minutes, k) => ({
      agents: k + 1,
      minutes,
      speedup: minutes > 0 ? single / minutes : 1,
    })),
    confidence: tasks.length > 0 ? estimatedCount / tasks.length : 0,
  };
}
