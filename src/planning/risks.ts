import { analyzeGraph, type GraphAnalysis } from '../core/analysis.js';
import { pert } from '../core/duration.js';
import type { Plan } from '../core/types.js';
import { formatHours } from './hours.js';
import type { RepoFacts } from './repo-facts.js';
import type { ScopeArtifact } from './scope.js';
import { hasTestNearby, needsTest, testedNames } from './test-nearby.js';

/** The risk rules, in the order findings of equal severity are listed. */
export const RISK_RULES = [
  'file-overlap',
  'high-churn',
  'long-task',
  'low-parallelism',
  'no-verify',
  'untested-source',
] as const;
export type RiskRule = (typeof RISK_RULES)[number];

/** Ordered values: `high` sorts first. */
export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

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

/** A task longer than this should be split (PERT minutes): 8 h, one working day. */
export const LONG_TASK_MINUTES = 8 * 60;
/** A task longer than this is a high risk: 24 h, three working days. */
export const VERY_LONG_TASK_MINUTES = 24 * 60;
/** A file is hot when its churn is at least this percentile of the files that changed recently... */
export const HOT_CHURN_PERCENTILE = 0.9;
/** ...and at least this many recent commits touched it. */
export const MIN_HOT_CHURN_COMMITS = 3;
/** Below this parallel score, with more than {@link LOW_PARALLELISM_MIN_TASKS} tasks, agents gain little. */
export const LOW_PARALLEL_SCORE = 0.3;
export const LOW_PARALLELISM_MIN_TASKS = 5;
/** Keeps artifacts readable for huge plans; `counts` still tells the full number. */
export const MAX_FINDINGS_PER_RULE = 100;

type Draft = Omit<RiskFinding, 'id' | 'rule'>;

/** Rule-based findings over the plan, the repository facts and the resolved scope. Pure. */
export function analyzeRisks(
  plan: Plan,
  facts: RepoFacts,
  scope: ScopeArtifact,
  graph: GraphAnalysis = analyzeGraph(plan),
): RisksArtifact {
  const drafts: Record<RiskRule, Draft[]> = {
    'file-overlap': overlapFindings(graph),
    'high-churn': churnFindings(facts, scope),
    'long-task': longTaskFindings(plan),
    'low-parallelism': parallelismFindings(plan, graph),
    'no-verify': verifyFindings(plan),
    'untested-source': untestedFindings(facts, scope),
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
      if (k < MAX_FINDINGS_PER_RULE) findings.push({ id: `${rule}-${k + 1}`, rule, ...draft });
    });
  }
  const rank = (finding: RiskFinding) => SEVERITIES.indexOf(finding.severity);
  // Array.prototype.sort is stable: equal severities keep rule order, then the order found.
  findings.sort((a, b) => rank(a) - rank(b));
  return { findings, counts, severities };
}

/** Unordered same-phase tasks whose globs may meet; high when both name the very same path. */
function overlapFindings(graph: GraphAnalysis): Draft[] {
  return graph.overlaps.map((overlap) => {
    const same = overlap.files.some(([a, b]) => a === b);
    const globs = [...new Set(overlap.files.flat())];
    return {
      severity: same ? 'high' : 'medium',
      message: `${overlap.a} and ${overlap.b} may run at the same time and both touch ${globs.join(', ')}: add a \`needs\` between them or split the files`,
      tasks: [overlap.a, overlap.b],
      files: globs,
    };
  });
}

/** Touched files among the most changed of recent history; high when several tasks touch one. */
function churnFindings(facts: RepoFacts, scope: ScopeArtifact): Draft[] {
  const threshold = hotChurnThreshold(facts.churn);
  const hot = new Map<string, string[]>();
  for (const task of scope.tasks) {
    for (const file of [...task.files, ...task.wordFiles]) {
      if ((facts.churn.get(file) ?? 0) < threshold) continue;
      const tasks = hot.get(file);
      if (tasks) tasks.push(task.id);
      else hot.set(file, [task.id]);
    }
  }
  return [...hot]
    .map(([file, tasks]) => ({ file, tasks, churn: facts.churn.get(file) ?? 0 }))
    .sort((a, b) => b.churn - a.churn || (a.file < b.file ? -1 : 1))
    .map(({ file, tasks, churn }) => ({
      severity: tasks.length > 1 ? 'high' : 'medium',
      message: `${file} changed in ${churn} recent commits (top ${Math.round((1 - HOT_CHURN_PERCENTILE) * 100)}%); ${tasks.length > 1 ? `${tasks.length} tasks touch it, expect merge conflicts` : 'expect conflicts with other work'}`,
      tasks,
      files: [file],
    }));
}

/** The churn from which a file is hot: the percentile over changed files, at least the minimum. */
export function hotChurnThreshold(churn: ReadonlyMap<string, number>): number {
  const values = [...churn.values()].filter((count) => count > 0).sort((a, b) => a - b);
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  const at = values[Math.min(values.length - 1, Math.floor(values.length * HOT_CHURN_PERCENTILE))]!;
  return Math.max(at, MIN_HOT_CHURN_COMMITS);
}

function longTaskFindings(plan: Plan): Draft[] {
  return plan.tasks.flatMap((task): Draft[] => {
    const minutes = task.estimate ? pert(task.estimate) : 0;
    if (minutes <= LONG_TASK_MINUTES) return [];
    return [
      {
        severity: minutes > VERY_LONG_TASK_MINUTES ? 'high' : 'medium',
        message: `${task.id} is expected to take ${formatHours(minutes)} (over ${formatHours(LONG_TASK_MINUTES)}): split it so agents can work on it in parallel and failures cost less`,
        tasks: [task.id],
      },
    ];
  });
}

function parallelismFindings(plan: Plan, graph: GraphAnalysis): Draft[] {
  if (plan.tasks.length <= LOW_PARALLELISM_MIN_TASKS || graph.parallelScore >= LOW_PARALLEL_SCORE) return [];
  const path = graph.criticalPath.path;
  const shown = path.length > 8 ? [...path.slice(0, 4), '...', ...path.slice(-3)] : path;
  return [
    {
      severity: 'medium',
      message: `parallel score ${graph.parallelScore.toFixed(2)} (< ${LOW_PARALLEL_SCORE}): the chain ${shown.join(' -> ')} (${path.length} tasks, ${formatHours(graph.criticalPath.length)} of ${formatHours(graph.totalWork)}) leaves little to run side by side; drop needs that are not real dependencies`,
      tasks: path,
    },
  ];
}

function verifyFindings(plan: Plan): Draft[] {
  if (plan.defaults.verify) return [];
  const tasks = plan.tasks.filter((task) => !task.verify).map((task) => task.id);
  if (tasks.length === 0) return [];
  return [
    {
      severity: 'medium',
      message: `${tasks.length} task(s) have no \`verify\` command and the plan sets no default: success rests on the agent's exit code alone`,
      tasks,
    },
  ];
}

/** One finding per task that touches source files with no test; only declared `files` count. */
function untestedFindings(facts: RepoFacts, scope: ScopeArtifact): Draft[] {
  let tested: Set<string> | undefined;
  return scope.tasks.flatMap((task): Draft[] => {
    tested ??= testedNames(facts.files);
    const untested = task.files.filter((file) => needsTest(file) && !hasTestNearby(file, tested!));
    if (untested.length === 0) return [];
    const shown =
      untested.length > 5
        ? `${untested.slice(0, 5).join(', ')} and ${untested.length - 5} more`
        : untested.join(', ');
    return [
      {
        severity: 'low',
        message: `${task.id} changes source without a test nearby: ${shown}; give it a verify that runs tests, or add tests`,
        tasks: [task.id],
        files: untested,
      },
    ];
  });
}
