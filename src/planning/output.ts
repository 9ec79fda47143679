import type { GraphAnalysis } from '../core/analysis.js';
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
  /** `analyzeGraph(plan)`, which `plan` prints too. */
  graph: GraphAnalysis;
  /** The artifacts' folder, `.milestones/<id>/planning`. */
  dir: string;
}

/** The planning analyses as `plan` records and prints them: plain data, so a worker thread can send it. */
export interface PlanningOutput {
  /** The five artifact files, `unified.json` last (see `writePlanningArtifacts`). */
  files: AtomicFile[];
  /** `formatPlanningSummary`: the lines `plan` prints. */
  summary: string;
  /** The unified plan, which `plan --json` prints. */
  unified: UnifiedArtifact;
}

/** Runs the planning analyses of a plan and renders what `plan` writes and prints. */
export async function planningOutput(input: PlanningInput): Promise<PlanningOutput> {
  const planning = await runPlanningAnalyses(input.plan, input.facts, { graph: input.graph });
  return {
    files: planningArtifactFiles(input.dir, planning),
    summary: formatPlanningSummary(planning),
    unified: planning.unified,
  };
}
