import { analyzeGraph, type GraphAnalysis } from '../core/analysis.js';
import type { Plan } from '../core/types.js';
import type { AtomicFile } from '../store/atomic-files.js';
import { planningArtifactFiles } from './artifacts.js';
import type { RepoFacts } from './repo-facts.js';
import { formatPlanningSummary } from './summary.js';
import { runPlanningAnalyses, type UnifiedArtifact } from './unified.js';

/** What `plan` needs of the planning analyses of a plan. */
export interface PlanningInput {
  plan: Plan;
  facts: RepoFacts;
  /** `analyzeGraph(plan)` when the caller has it (`plan` prints it too). */
  graph?: GraphAnalysis | undefined;
  /** The artifacts' folder, `.milestones/<id>/planning`. */
  dir: string;
}

/** A {@link PlanningInput} whose repository facts are still being read (git). */
export type PlanningRequest = Omit<PlanningInput, 'facts'> & { facts: Promise<RepoFacts> };

/** The planning analyses as `plan` records and prints them: plain data, so a worker thread can send it. */
export interface PlanningOutput {
  /** The five artifact files, `unified.json` last (see `writePlanningArtifacts`). */
  files: AtomicFile[];
  /** `formatPlanningSummary`: the lines `plan` prints. */
  summary: string;
  /** The unified plan, which `plan --json` prints. */
  unified: UnifiedArtifact;
  /** `analyzeGraph(plan)` (the input's when given), which `plan` prints. */
  graph: GraphAnalysis;
}

/** Runs the planning analyses of a plan and renders what `plan` writes and prints. */
export async function planningOutput(input: PlanningInput): Promise<PlanningOutput> {
  const graph = input.graph ?? analyzeGraph(input.plan);
  const planning = await runPlanningAnalyses(input.plan, input.facts, { graph });
  return {
    files: planningArtifactFiles(input.dir, planning),
    summary: formatPlanningSummary(planning),
    unified: planning.unified,
    graph,
  };
}
