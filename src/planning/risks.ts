import { analyzeGraph, type GraphAnalysis } from '../core/analysis.js';
import type { Plan } from '../core/types.js';
import type { RepoFacts } from './repo-facts.js';
import {
  churnRule,
  longTaskRule,
  overlapRule,
  parallelismRule,
  RISK_RULES,
  type RiskRule,
  type RuleDraft,
  SEVERITIES,
  type Severity,
  untestedRule,
  verifyRule,
} from './risk-rules.js';
import type { ScopeArtifact } from './scope.js';

export type { RiskRule, Severity } from './risk-rules.js';
export {
  HOT_CHURN_PERCENTILE,
  hotChurnThreshold,
  LONG_TASK_MINUTES,
  LOW_PARALLEL_SCORE,
  LOW_PARALLELISM_MIN_TASKS,
  MIN_HOT_CHURN_COMMITS,
  RISK_RULES,
  SEVERITIES,
  VERY_LONG_TASK_MINUTES,
} from './risk-rules.js';

/** One thing that may go wrong, and the tasks it concerns. */
export interface RiskFinding {
  /** `<rule>-<n>`, n counting from 1 within the rule in the order found. */
  id: string;
  rule: RiskRule;
  severity: Severity;
  message: string;
  tasks: string[];
  files?: string[];
}

/** What the risk analysis found. */
export interface RisksArtifact {
  /** By severity, then rule, then the order found; at most {@link MAX_FINDINGS_PER_RULE} per rule. */
  findings: RiskFinding[];
  /** Findings per rule before the cap. */
  counts: Record<RiskRule, number>;
  /** Findings per severity before the cap. */
  severities: Record<Severity, number>;
}

/** Keeps artifacts readable for huge plans; `counts` and `severities` still tell the full numbers. */
export const MAX_FINDINGS_PER_RULE = 100;

/**
 * Rule-based findings over the plan, the repository facts and the resolved scope (see
 * risk-rules.ts for each rule and its thresholds). Pure; pass `graph` when already computed.
 */
export function analyzeRisks(
  plan: Plan,
  facts: RepoFacts,
  scope: ScopeArtifact,
  graph: GraphAnalysis = analyzeGraph(plan),
): RisksArtifact {
  const drafts: Record<RiskRule, RuleDraft[]> = {
    'file-overlap': overlapRule(graph),
    'high-churn': churnRule(facts, scope),
    'long-task': longTaskRule(plan),
    'low-parallelism': parallelismRule(plan, graph),
    'no-verify': verifyRule(plan),
    'untested-source': untestedRule(facts, scope),
  };
  const counts = Object.fromEntries(RISK_RULES.map((rule) => [rule, drafts[rule].length])) as Record<
    RiskRule,
    number
  >;
  const severities: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  const findings: RiskFinding[] = [];
  for (const rule of RISK_RULES) {
    drafts[rule].forEach((draft, k) => {
      severities[draft.severity]++;
      if (k >= MAX_FINDINGS_PER_RULE) return;
      findings.push({ id: `${rule}-${k + 1}`, rule, severity: draft.severity, ...draft.text() });
    });
  }
  const rank = (finding: RiskFinding) => SEVERITIES.indexOf(finding.severity);
  // Array.prototype.sort is stable: equal severities keep rule order, then the order found.
  findings.sort((a, b) => rank(a) - rank(b));
  return { findings, counts, severities };
}
