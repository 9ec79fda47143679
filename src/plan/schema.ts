import { createRequire } from 'node:module';
import type { z } from 'zod';
import { PLAN_CODES } from './codes.js';
import { describeValue, type FieldPath, formatFieldPath, valueAt } from './field-path.js';
import type { ProblemSink } from './problems.js';
import { planFitsSchema } from './schema-shape.js';

type Zod = typeof import('zod');

/**
 * The zod schemas of a plan file, built on first use: a plan that passes
 * {@link planFitsSchema} (every well-formed plan) never loads zod, a good part of a command's
 * start. Loaded synchronously (zod's CommonJS build), so validation stays synchronous.
 */
function buildSchemas(z: Zod['z']) {
  // Structure only: ids, phases, durations and weights are typed loosely here and checked by
  // the semantic pass, which gives them their own codes and messages.
  const retries = z.number().int().min(0);
  const text = z.string().min(1);
  /** A conventional-commit type for task commits (`feat`, `fix`, `chore`...). */
  const commitType = z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be a commit type such as feat, fix, chore');

  /** A task as written in a milestone plan file. */
  const taskFileSchema = z.strictObject({
    id: z.string(),
    title: text,
    phase: z.unknown().optional(),
    prompt: z.string().optional(),
    run: z.string().optional(),
    needs: z.array(z.string()).optional(),
    files: z.array(text).optional(),
    estimate: z.unknown().optional(),
    agent: text.optional(),
    verify: text.optional(),
    timeout: z.unknown().optional(),
    retries: retries.optional(),
    commitType: commitType.optional(),
  });

  /** `defaults:` of a milestone plan file. */
  const defaultsFileSchema = z.strictObject({
    agent: text.optional(),
    verify: text.optional(),
    timeout: z.unknown().optional(),
    retries: retries.optional(),
    commitType: commitType.optional(),
  });

  /** `phases.<phase>:` of a milestone plan file: the phase's integration check. */
  const phaseFileSchema = z.strictObject({ verify: text.optional() });

  /** A milestone plan file (docs/contract.md "Plan file"), before semantic checks. */
  const planFileSchema = z.strictObject({
    version: z.literal(1),
    milestone: text.optional(),
    id: z.string().optional(),
    description: z.string().optional(),
    base: text.optional(),
    weights: z.unknown().optional(),
    defaults: defaultsFileSchema.optional(),
    verify: text.optional(),
    integration: z.enum(['each', 'batch', 'phase']).optional(),
    phases: z
      .strictObject({
        design: phaseFileSchema.optional(),
        spec: phaseFileSchema.optional(),
        task: phaseFileSchema.optional(),
        execute: phaseFileSchema.optional(),
      })
      .optional(),
    tasks: z.array(taskFileSchema).optional(),
  });
  return { taskFileSchema, defaultsFileSchema, phaseFileSchema, planFileSchema };
}

/** The zod schemas of a plan file (see {@link buildSchemas}). */
export type PlanFileSchemas = ReturnType<typeof buildSchemas>;

let schemas: PlanFileSchemas | undefined;

/** The plan file's zod schemas, built (and zod loaded) on the first call. */
export function planFileSchemas(): PlanFileSchemas {
  schemas ??= buildSchemas((createRequire(import.meta.url)('zod') as Zod).z);
  return schemas;
}

/** Keys people write from habit (other tools, other formats), and what they mean here. */
const SYNONYMS: Record<string, Record<string, string>> = {
  plan: { title: 'milestone', name: 'milestone' },
  task: {
    name: 'title',
    description: 'prompt',
    depends: 'needs',
    dependencies: 'needs',
    depends_on: 'needs',
    dependsOn: 'needs',
    after: 'needs',
    command: 'run',
    cmd: 'run',
    test: 'verify',
    paths: 'files',
  },
};

/** Keys allowed at each object level, for "unknown key" messages. */
function allowedKeys(level: string): readonly string[] {
  const { planFileSchema, taskFileSchema, defaultsFileSchema } = planFileSchemas();
  const shape =
    level === 'plan'
      ? planFileSchema.shape
      : level === 'task'
        ? taskFileSchema.shape
        : defaultsFileSchema.shape;
  return Object.keys(shape);
}

/** Checks the structure of `raw` and reports every issue into `sink` as MILESTONE_PLAN_SCHEMA. */
export function checkSchema(raw: unknown, sink: ProblemSink): void {
  // The common case, a well-formed plan, without zod: planFitsSchema is true only when the
  // schema would accept `raw` too (test/plan/schema-shape.property.test.ts checks that property).
  if (planFitsSchema(raw)) return;
  const result = planFileSchemas().planFileSchema.safeParse(raw);
  if (result.success) return;
  for (const issue of result.error.issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) sink.add(PLAN_CODES.schema, unknownKey(key, path), [...path, key], 'key');
      continue;
    }
    sink.add(PLAN_CODES.schema, describeIssue(issue, path, valueAt(raw, path)), path);
  }
}

function describeIssue(issue: z.core.$ZodIssue, path: FieldPath, input: unknown): string {
  const last = path[path.length - 1];
  const name =
    typeof last === 'number' ? `${String(path[path.length - 2])}[${last}]` : String(last ?? 'plan');
  const label = `\`${name}\``;
  if (name === 'version') {
    return input === undefined ? '`version: 1` is required' : `version must be 1, got ${show(input)}`;
  }
  if (name === 'retries') return `retries must be a non-negative integer, got ${show(input)}`;
  if (input === undefined) {
    if (name === 'title') return 'a task needs a `title`';
    if (name === 'id' && path[0] === 'tasks') return 'a task needs an `id`';
    return `${label} is required`;
  }
  if (issue.code === 'too_small' && typeof input === 'string') return `${label} must not be empty`;
  if (issue.code === 'invalid_type')
    return `${label} must be ${article(issue.expected)}, got ${describeValue(input)}`;
  // Worded as config problems are, not in the schema library's words ("Invalid option").
  if (issue.code === 'invalid_value')
    return `${label} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(input)}`;
  // A pattern's own words (`must be a commit type such as feat, fix, chore`) and what was found.
  if (issue.code === 'invalid_format') return `${label} ${issue.message}, got ${describeValue(input)}`;
  return `${label}: ${issue.message}`;
}

function unknownKey(key: string, path: FieldPath): string {
  const level = path.length === 0 ? 'plan' : path[0] === 'defaults' ? 'defaults' : 'task';
  const allowed =
    path[0] === 'phases'
      ? path.length === 1
        ? ['design', 'spec', 'task', 'execute']
        : Object.keys(planFileSchemas().phaseFileSchema.shape)
      : allowedKeys(level);
  const where = path.length === 0 ? 'the plan' : formatFieldPath(path);
  const guess = SYNONYMS[level]?.[key] ?? allowed.find((candidate) => closeTo(key, candidate));
  const hint = guess ? `; did you mean \`${guess}\`?` : ` (allowed: ${allowed.join(', ')})`;
  return `unknown key \`${key}\` in ${where}${hint}`;
}

/** Edit distance at most 2, or one a prefix of the other: catches `need`, `depends`, `titel`. */
function closeTo(a: string, b: string): boolean {
  const x = a.toLowerCase();
  if (x === b || (x.length >= 3 && (b.startsWith(x) || x.startsWith(b)))) return true;
  if (Math.abs(x.length - b.length) > 2) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (x[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]! <= 2;
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
