import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { describeValue, formatFieldPath, valueAt } from '../plan/field-path.js';
import type { PositionOf } from '../plan/source-map.js';

/** How the problems of one kind of file are coded and name the file's top level. */
export interface ProblemWords {
  code: string;
  /** The whole document, in `unknown key x in <root>` and `<root> must be a mapping`. */
  root: string;
}

const CONFIG_WORDS: ProblemWords = { code: 'MILESTONE_CONFIG', root: 'the config' };

/**
 * Config problems worded and placed like plan problems: `file:line:col (field): message`, the
 * value found and what was expected, never the schema library's own words alone. Other JSON
 * or YAML documents checked by a schema (an imported state) are worded the same way with their
 * own `words`.
 */
export function configProblems(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
  file: string,
  positionOf?: PositionOf,
  /** The default config: its keys are the allowed ones, for "did you mean" hints. */
  known?: unknown,
  words: ProblemWords = CONFIG_WORDS,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = path.length ? `\`${formatFieldPath(path)}\`` : words.root;
        const level = valueAt(known, path);
        const allowed = level && typeof level === 'object' ? Object.keys(level) : [];
        const guess = allowed.find((candidate) => similar(key, candidate));
        const hint = guess
          ? `; did you mean \`${guess}\`?`
          : allowed.length
            ? ` (allowed: ${allowed.join(', ')})`
            : '';
        problems.push(
          problem(
            words.code,
            `unknown key \`${key}\` in ${where}${hint}`,
            [...path, key],
            file,
            positionOf,
            'key',
          ),
        );
      }
      continue;
    }
    const field = formatFieldPath(path) || words.root;
    const found = valueAt(value, path);
    problems.push(problem(words.code, `${field} ${describe(issue, found)}`, path, file, positionOf));
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
    case 'invalid_value': {
      const choices = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return found === undefined ? `is required: one of ${choices}` : `must be one of ${choices}, got ${got}`;
    }
    case 'too_small':
      return typeof found === 'string'
        ? 'must not be empty'
        : `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, got ${got}`;
    default:
      return `${issue.message}${found === undefined ? '' : `, got ${numbers(found) ?? got}`}`;
  }
}

/** A mapping of numbers (`weights`) shown as its sum and terms: `1.35 (0.5 + 0.25 + 0.2 + 0.4)`. */
function numbers(found: unknown): string | undefined {
  if (found === null || typeof found !== 'object' || Array.isArray(found)) return undefined;
  const values = Object.values(found);
  if (values.length === 0 || !values.every((v) => typeof v === 'number')) return undefined;
  const sum = values.reduce((a: number, b: number) => a + b, 0);
  return `${Number(sum.toFixed(6))} (${values.join(' + ')})`;
}

function problem(
  code: string,
  message: string,
  path: Array<string | number>,
  file: string,
  positionOf: PositionOf | undefined,
  target?: 'key',
): Problem {
  const pos = positionOf?.(path, target);
  return {
    code,
    message,
    location: {
      file,
      ...(pos ? { line: pos.line, column: pos.column } : {}),
      field: formatFieldPath(path) || '(root)',
    },
  };
}
