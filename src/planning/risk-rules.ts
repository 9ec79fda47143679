import type { GraphAnalysis } from '../core/analysis.js';
import { pert, plural } from '../core/duration.js';
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

/** What one finding says, built only for the findings that are kept. */
export interface FindingText {
  message: string;
  tasks: string[];
  files?: string[];
}

/** A finding before it is numbered: its severity now (for the counts), its text on demand. */
export interface RuleDraft {
  severity: Severity;
  text: () => FindingText;
}

/** Unordered same-phase tasks whose globs may meet; high when both name the very same path. */
export function overlapRule(graph: GraphAnalysis): RuleDraft[] {
  return graph.overlaps.map((overlap) => ({
    severity: overlap.files.some(([a, b]) => a === b) ? 'high' : 'medium',
    text: () => {
      const globs = [...new Set(overlap.files.flat())];
      return {
        message: `${overlap.a} and ${overlap.b} may run at the same time and both touch ${globs.join(', ')}: add a \`needs\` between them or split the files`,
        tasks: [overlap.a, overlap.b],
        files: globs,
      };
    },
  }));
}

/**
 * Touched files (declared and word-matched) among the most changed of recent history, hottest
 * first; high when several tasks touch one.
 */
export function churnRule(facts: RepoFacts, scope: ScopeArtifact): RuleDraft[] {
  const threshold = hotChurnThreshold(facts.churn);
  const hot = new Map<string, string[]>();
  for (const [file, count] of facts.churn) if (count >= threshold) hot.set(file, []);
  if (hot.size === 0) return [];
  for (const task of scope.tasks) {
    for (const list of [task.files, task.wordFiles]) for (const file of list) hot.get(file)?.push(task.id);
  }
  const percent = Math.round((1 - HOT_CHURN_PERCENTILE) * 100);
  return [...hot]
    .filter(([, tasks]) => tasks.length > 0)
    .map(([file, tasks]) => ({ file, tasks, churn: facts.churn.get(file)! }))
    .sort((a, b) => b.churn - a.churn || (a.file < b.file ? -1 : 1))
    .map(({ file, tasks, churn }) => ({
      severity: tasks.length > 1 ? 'high' : 'medium',
      text: () => ({
        message: `${file} changed in ${churn} recent commits (top ${percent}%); ${tasks.length > 1 ? `${tasks.length} tasks touch it, expect merge conflicts` : 'expect conflicts with other work'}`,
        tasks,
        files: [file],
      }),
    }));
}

/** The churn from which a file is hot: the percentile over changed files, at least the minimum. */
export function hotChurnThreshold(churn: ReadonlyMap<string, number>): number {
  const values = [...churn.values()].filter((count) => count > 0).sort((a, b) => a - b);
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  const at = values[Math.min(values.length - 1, Math.floor(values.length * HOT_CHURN_PERCENTILE))]!;
  return Math.max(at, MIN_HOT_CHURN_COMMITS);
}

/** Tasks whose PERT expectation is over a working day; high over three. */
export function longTaskRule(plan: Plan): RuleDraft[] {
  return plan.tasks.flatMap((task): RuleDraft[] => {
    const minutes = task.estimate ? pert(task.estimate) : 0;
    if (minutes <= LONG_TASK_MINUTES) return [];
    const severity = minutes > VERY_LONG_TASK_MINUTES ? 'high' : 'medium';
    const message = `${task.id} is expected to take ${formatHours(minutes)} (over ${formatHours(LONG_TASK_MINUTES)}): split it so agents can work on it in parallel and failures cost less`;
    return [{ severity, text: () => ({ message, tasks: [task.id] }) }];
  });
}

/** A plan of more than a few tasks whose critical path leaves little parallel work; names that chain. */
export function parallelismRule(plan: Plan, graph: GraphAnalysis): RuleDraft[] {
  if (plan.tasks.length <= LOW_PARALLELISM_MIN_TASKS || graph.parallelScore >= LOW_PARALLEL_SCORE) return [];
  const path = graph.criticalPath.path;
  const shown = path.length > 8 ? [...path.slice(0, 4), '...', ...path.slice(-3)] : path;
  const message = `parallel score ${graph.parallelScore.toFixed(2)} (< ${LOW_PARALLEL_SCORE}): the chain ${shown.join(' -> ')} (${path.length} tasks, ${formatHours(graph.criticalPath.length)} of ${formatHours(graph.totalWork)}) leaves little to run side by side; drop needs that are not real dependencies`;
  return [{ severity: 'medium', text: () => ({ message, tasks: path }) }];
}

/** All tasks without `verify` when the plan has no default, in one finding. */
export function verifyRule(plan: Plan): RuleDraft[] {
  if (plan.defaults.verify) return [];
  const tasks = plan.tasks.filter((task) => !task.verify).map((task) => task.id);
  if (tasks.length === 0) return [];
  const message = `${plural(tasks.length, 'task')} ${tasks.length === 1 ? 'has' : 'have'} no \`verify\` command and the plan sets no default: success rests on the agent's exit code alone`;
  return [{ severity: 'medium', text: () => ({ message, tasks }) }];
}

/** One finding per task that changes source files with no test; only declared `files` count. */
export function untestedRule(facts: RepoFacts, scope: ScopeArtifact): RuleDraft[] {
  let tested: Set<string> | undefined;
  const verdicts = new Map<string, boolean>(); // tasks share files: judge each file once
  const untested = (file: string) => {
    let verdict = verdicts.get(file);
    if (verdict === undefined) {
      tested ??= testedNames(facts.files);
      verdict = needsTest(file) && !hasTestNearby(file, tested);
      verdicts.set(file, verdict);
    }
    return verdict;
  };
  return scope.tasks.flatMap((task): RuleDraft[] => {
    const files = task.files.filter(untested);
    if (files.length === 0) return [];
    const text = () => {
      const shown =
        files.length > 5 ? `${files.slice(0, 5).join(', ')} and ${files.length - 5} more` : files.join(', ');
      const message = `${task.id} changes source without a test nearby: ${shown}; give it a verify that runs tests, or add tests`;
      return { message, tasks: [task.id], files };
    };
    return [{ severity: 'low', text }];
  });
}
