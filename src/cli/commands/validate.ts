import { resolve } from 'node:path';
import { analyzeGraph } from '../../core/analysis.js';
import { formatDuration, plural } from '../../core/duration.js';
import type { Problem } from '../../errors.js';
import { formatProblem, UsageError } from '../../errors.js';
import type { Io } from '../../io/io.js';
import { printJson } from '../../io/io.js';
import { loadPlanFile } from '../../plan/load.js';

export interface ValidateOptions {
  cwd: string;
  io: Io;
  file: string;
  json: boolean;
}

/** The outcome of `validate`. */
export interface ValidateResult {
  valid: boolean;
  format: string | null;
  problems: Problem[];
  summary: { id: string; title: string; tasks: number; criticalPath: string; parallelScore: number } | null;
}

/**
 * Checks a plan file and reports every problem found, not only the first. Works outside a git
 * repository and writes nothing. Exit 2 when there is any problem.
 */
export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const parsed = await loadPlanFile(resolve(options.cwd, options.file));
  let summary: ValidateResult['summary'] = null;
  if (parsed.plan && parsed.problems.length === 0) {
    const analysis = analyzeGraph(parsed.plan);
    summary = {
      id: parsed.plan.id,
      title: parsed.plan.title,
      tasks: parsed.plan.tasks.length,
      criticalPath: formatDuration(analysis.criticalPath.length),
      parallelScore: Math.round(analysis.parallelScore * 100) / 100,
    };
  }
  const result: ValidateResult = {
    valid: parsed.problems.length === 0,
    format: parsed.format,
    problems: parsed.problems,
    summary,
  };
  if (options.json) printJson(options.io, result);
  else if (summary) {
    options.io.out(
      `${options.file}: valid ${parsed.format} plan "${summary.title}" (id ${summary.id}): ${summary.tasks} tasks, critical path ${summary.criticalPath}, parallel score ${summary.parallelScore}`,
    );
  } else {
    for (const problem of parsed.problems) options.io.err(formatProblem(problem));
  }
  if (!result.valid) {
    // Already printed above; the error carries no problems so they are not printed twice.
    throw new UsageError(
      'MILESTONE_PLAN_INVALID',
      `${options.file}: ${plural(parsed.problems.length, 'problem')} found`,
    );
  }
  return result;
}
