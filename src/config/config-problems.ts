import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { describeValue, formatFieldPath, valueAt } from '../plan/field-path.js';
import type { PositionOf } from '../plan/source-map.js';

/**
 * Config problems worded and placed like plan problems: `file:line:col (field): message`, the
 * value found and what was expected, never the schema library's own words alone.
 */
export function configProblems(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
  file: string,
  positionOf?: PositionOf,
  /** The default config: its keys are the allowed ones, for "did you mean" hints. */
  known?: unknown,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = path.length ? `\`${formatFieldPath(path)}\`` : 'the config';
        const level = valueAt(known, path);
        const allowed = level && typeof level === 'object' ? Object.keys(level) : [];
        const guess = allowed.find((candidate) => similar(key, candidate));
        const hint = guess
          ? `; did you mean \`${guess}\`?`
          : allowed.length
            ? ` (allowed: ${allowed.join(', ')})`
            : '';
        problems.push(
          problem(`unknown key \`${key}\` in ${where}${hint}`, [...path, key], file, positionOf, 'key'),
        );
      }
      continue;
    }
    const field = formatFieldPath(path) || 'the config';
    const found = valueAt(value, path);
    problems.push(problem(`${field} ${describe(issue, found)}`, path, file, positionOf));
  }
  // File order, as plan problems are.
  return problems.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
}

/** A key one letter off, or one a prefix of the other: `worktree` for `worktrees`. */
function similar(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x.length >= 3 && (x.startsWith(y) || y.startsWith(x))) return true;
  if (Math.abs(x.length - y.length) > 1) return false;
  let differences = 0;
  for (let i = 0, j = 0; i < x.length || j < y.length; i++, j++) {
    if (x[i] === y[j]) continue;
    differences += 1;
    if (differences > 1) return false;
    if (x.length > y.length) j--;
    else if (y.length > x.length) i--;
  }
  return differences <= 1;
}

function describe(issue: z.core.$ZodIssue, found: unknown): string {
  const got = found === undefined ? 'nothing' : describeValue(found);
  switch (issue.code) {
    case 'invalid_type':
      return found === undefined
        ? 'is required'
        : `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}, got ${got}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      return typeof found === 'string'
        ? 'must not be empty'
        : `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, got ${got}`;
    default:
      return `${issue.message}${found === undefined ? '' : `, got ${got}`}`;
  }
}

function problem(
  message: string,
  path: Array<string | number>,
  file: string,
  positionOf: PositionOf | undefined,
  target?: 'key',
): Problem {
  const pos = positionOf?.(path, target);
  return {
    code: 'MILESTONE_CONFIG',
    message,
    location: {
      file,
      ...(pos ? { line: pos.line, column: pos.column } : {}),
      field: formatFieldPath(path) || '(root)',
    },
  };
}
