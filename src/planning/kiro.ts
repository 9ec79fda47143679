import { PHASES, type PhaseWeights, type TaskSpec } from '../core/types.js';
import type { TaskScope } from './scope.js';

/** The KIRO strategy lens: what a task does to the codebase. */
export const KIRO_CLASSES = ['keep', 'improve', 'remove', 'originate'] as const;
export type KiroClass = (typeof KIRO_CLASSES)[number];

/** One task's class and what decided it. */
export interface KiroVerdict {
  id: string;
  kiro: KiroClass;
  /** `keyword`: a verb of its text; `files`: whether its files exist; `default`: neither said anything. */
  basis: 'keyword' | 'files' | 'default';
  /** The verb that decided, when `basis` is `keyword`. */
  keyword?: string;
}

const KEYWORDS: Record<KiroClass, string> = {
  remove:
    'remove removes removed removing removal delete deletes deleted deleting deletion deprecate deprecates ' +
    'deprecated deprecating deprecation drop drops dropped dropping retire retired retiring eliminate ' +
    'purge decommission prune strip uninstall',
  originate:
    'add adds added adding create creates created creating new implement implements implementing introduce ' +
    'introduces introducing build scaffold bootstrap generate',
  improve:
    'refactor refactors refactoring improve improves improving improvement optimize optimise optimizes ' +
    'optimising optimizing optimization fix fixes fixed fixing update updates updating upgrade rewrite ' +
    'rename migrate replace simplify extract split move harden enhance extend clean cleanup tune speed',
  keep:
    'document documents documenting documentation docs keep keeps preserve preserves retain maintain verify ' +
    'verifies verification validate audit review check confirm',
};

const KEYWORD_CLASS = new Map<string, KiroClass>(
  KIRO_CLASSES.flatMap((kiro) => KEYWORDS[kiro].split(' ').map((word) => [word, kiro] as const)),
);

/**
 * Classifies a task: the first KIRO verb of its title, else of its prompt, decides; an
 * originate verb on files that all exist already means improving them. Without a verb, file
 * existence decides: all declared files exist -> improve, none -> originate; otherwise improve.
 */
export function classifyTask(task: Pick<TaskSpec, 'id' | 'title' | 'prompt'>, scope: TaskScope): KiroVerdict {
  const allExist = scope.files.length > 0 && scope.newPaths.length === 0;
  const noneExist = scope.files.length === 0 && scope.newPaths.length > 0;
  const found = firstKeyword(task.title) ?? firstKeyword(task.prompt ?? '');
  if (found) {
    const [keyword, kiro] = found;
    if (kiro === 'originate' && allExist) return { id: task.id, kiro: 'improve', basis: 'files' };
    return { id: task.id, kiro, basis: 'keyword', keyword };
  }
  if (allExist) return { id: task.id, kiro: 'improve', basis: 'files' };
  if (noneExist) return { id: task.id, kiro: 'originate', basis: 'files' };
  return { id: task.id, kiro: 'improve', basis: 'default' };
}

/** Keyword lengths: a word outside them is no keyword, and is not cut out of the text. */
let shortestKeyword = Number.POSITIVE_INFINITY;
let longestKeyword = 0;
for (const word of KEYWORD_CLASS.keys()) {
  shortestKeyword = Math.min(shortestKeyword, word.length);
  longestKeyword = Math.max(longestKeyword, word.length);
}

function firstKeyword(text: string): [string, KiroClass] | undefined {
  // The words are the runs of `a-z` in the lowercased text. For ASCII text they are the runs of
  // ASCII letters, found by char code without copying the text or splitting it into an array
  // (this runs for every task, mostly before V8 optimises it); other text is lowercased first,
  // since lowercasing some non-ASCII letters gives ASCII ones (`K`, the Kelvin sign, gives `k`).
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (code > 127) return firstKeywordOfWords(text);
    const letter = (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
    if (letter) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const length = i - start;
    if (length >= shortestKeyword && length <= longestKeyword) {
      const word = text.slice(start, i).toLowerCase();
      const kiro = KEYWORD_CLASS.get(word);
      if (kiro) return [word, kiro];
    }
    start = -1;
  }
  return undefined;
}

function firstKeywordOfWords(text: string): [string, KiroClass] | undefined {
  for (const word of text.toLowerCase().split(/[^a-z]+/)) {
    const kiro = KEYWORD_CLASS.get(word);
    if (kiro) return [word, kiro];
  }
  return undefined;
}

/** Share of the work (by `work`, index-aligned with `verdicts`) in each class; all 0 without work. */
export function kiroShares(
  verdicts: readonly KiroVerdict[],
  work: readonly number[],
): Record<KiroClass, number> {
  const sums: Record<KiroClass, number> = { keep: 0, improve: 0, remove: 0, originate: 0 };
  verdicts.forEach((verdict, i) => {
    sums[verdict.kiro] += work[i]!;
  });
  const total = KIRO_CLASSES.reduce((sum, kiro) => sum + sums[kiro], 0);
  for (const kiro of KIRO_CLASSES) sums[kiro] = total > 0 ? sums[kiro] / total : 0;
  return sums;
}

/** Above this share of removal work, execution grows and design shrinks. */
export const REMOVE_SHARE_THRESHOLD = 0.3;
/** Above this share of new work, design and spec grow and execution shrinks. */
export const ORIGINATE_SHARE_THRESHOLD = 0.4;

/** Adjusted weights and the rules that applied, one sentence each. */
export interface WeightAdjustment {
  weights: PhaseWeights;
  applied: string[];
}

/**
 * The KIRO weight adjustments, in points of 100 from the plan's weights: remove > 30% of the
 * work: execute +5, design -5; originate > 40%: design +5, spec +5, execute -10. Both may
 * apply. No phase goes below 0; the result is renormalised to sum 1.
 */
export function adjustWeights(weights: PhaseWeights, shares: Record<KiroClass, number>): WeightAdjustment {
  // Points rounded to 1e-6 so 0.15 * 100 + 5 gives 20, not 20.000000000000004.
  const points = Object.fromEntries(
    PHASES.map((phase) => [phase, Math.round(weights[phase] * 100 * 1e6) / 1e6]),
  ) as PhaseWeights;
  const applied: string[] = [];
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  if (shares.remove > REMOVE_SHARE_THRESHOLD) {
    points.execute += 5;
    points.design -= 5;
    applied.push(`remove ${percent(shares.remove)} of work (> 30%): execute +5, design -5`);
  }
  if (shares.originate > ORIGINATE_SHARE_THRESHOLD) {
    points.design += 5;
    points.spec += 5;
    points.execute -= 10;
    applied.push(`originate ${percent(shares.originate)} of work (> 40%): design +5, spec +5, execute -10`);
  }
  if (applied.length === 0) return { weights: { ...weights }, applied };
  for (const phase of PHASES) points[phase] = Math.max(0, points[phase]);
  const sum = PHASES.reduce((total, phase) => total + points[phase], 0);
  const adjusted = Object.fromEntries(
    PHASES.map((phase) => [phase, sum > 0 ? points[phase] / sum : weights[phase]]),
  ) as PhaseWeights;
  return { weights: adjusted, applied };
}
