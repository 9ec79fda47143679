import type { Location, Problem } from '../errors.js';
import type { PlanProblemCode } from './codes.js';
import type { FieldPath } from './field-path.js';

/** Turns a field path of the plan being validated into a location in its source file. */
export type Locate = (path: FieldPath, target?: 'key' | 'value') => Location;

/** Collects problems, resolving each field path to a location as it is added. */
export interface ProblemSink {
  readonly problems: Problem[];
  add(code: PlanProblemCode, message: string, path?: FieldPath, target?: 'key' | 'value'): void;
  /** The location of a path, for messages that name a second place (`also at line 4`). */
  where(path: FieldPath): string;
}

/** A sink over `locate`; a problem without a path is located at the file only. */
export function problemSink(locate: Locate): ProblemSink {
  const problems: Problem[] = [];
  return {
    problems,
    add(code, message, path = [], target) {
      problems.push({ code, message, location: locate(path, target) });
    },
    where(path) {
      const loc = locate(path);
      // A Markdown task has a line but no field: its line names it (the file is in the location).
      if (loc.field === undefined && loc.line !== undefined) return `line ${loc.line}`;
      const name = loc.field ?? loc.file ?? 'the plan';
      return loc.line === undefined ? name : `${name} (line ${loc.line})`;
    },
  };
}

/** Problems in file order (line, then column); those without a line first, order kept otherwise. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const key = (problem: Problem) => [problem.location?.line ?? 0, problem.location?.column ?? 0] as const;
  return problems
    .map((problem, index) => ({ problem, index, key: key(problem) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.index - b.index)
    .map((entry) => entry.problem);
}
