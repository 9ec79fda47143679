import type { Plan, PlanFormat } from '../core/types.js';
import type { Location, Problem } from '../errors.js';
import { PLAN_CODES } from './codes.js';
import { sniffFormat } from './detect.js';
import { type FieldPath, formatFieldPath } from './field-path.js';
import type { ImportResult } from './importers/import-result.js';
import { importKiro } from './importers/kiro.js';
import { importSpecKit } from './importers/spec-kit.js';
import { importTaskMaster } from './importers/taskmaster.js';
import type { Locate } from './problems.js';
import { sortProblems } from './problems.js';
import type { PositionOf } from './source-map.js';
import { readJson, readYaml } from './syntax.js';
import { validatePlan } from './validate.js';

export { detectFormat } from './detect.js';
export { slugify } from './slug.js';

/** How to read a plan text. */
export interface ParseOptions {
  /** The file the text came from: named in every problem, and used to detect the format. */
  file: string;
  /** The format, when known; detected from `file` and the text otherwise. */
  format?: PlanFormat | undefined;
  /** Overrides the plan's title (`milestone plan <title>`). */
  title?: string | undefined;
  /** Overrides the plan's id (`--id`); else the plan's `id`, else a slug of the title. */
  id?: string | undefined;
}

/** A validated plan and no problems, or `plan: null` and every problem found. */
export interface ParseResult {
  plan: Plan | null;
  problems: Problem[];
  /** The format the text was read as; `null` when it could not be told. */
  format: PlanFormat | null;
  /** Where a field of the plan is in the text (`validate` places its checks against config). */
  locate?: Locate;
}

/**
 * Reads and validates a plan: a milestone plan (YAML or JSON), a Kiro or spec-kit
 * `tasks.md`, or a Task Master `tasks.json`. Pure: no file system, no clock.
 */
export function parsePlan(text: string, options: ParseOptions): ParseResult {
  const { file } = options;
  const source = text.replace(/^\uFEFF/, '');
  const sniffed = options.format === undefined ? sniffFormat(file, source) : undefined;
  const format = options.format ?? sniffed!.format;
  if (format === null) {
    const problem: Problem = {
      code: PLAN_CODES.format,
      message:
        'cannot tell what kind of plan this is: use a .yaml/.yml or .json milestone plan, a Kiro or spec-kit tasks.md, or a Task Master tasks.json',
      location: { file },
    };
    return { plan: null, problems: [problem], format: null };
  }
  const read = readSource(source, format, file, sniffed?.json);
  if (!read.ok) return { plan: null, problems: sortProblems(read.problems), format };
  const result = validatePlan(read.raw, {
    locate: read.locate,
    title: options.title,
    id: options.id,
    // Kiro and spec-kit files take the title from their first `# ` heading.
    ...((format === 'kiro' || format === 'spec-kit') && {
      titleWhere: 'add a `# Title` heading to the file',
    }),
  });
  // An importer that found no tasks already said so in its own words.
  const own = read.problems.length
    ? result.problems.filter((p) => p.code !== PLAN_CODES.empty)
    : result.problems;
  const problems = sortProblems([...read.problems, ...own]);
  return { plan: problems.length > 0 ? null : result.plan, problems, format, locate: read.locate };
}

interface SourceRead {
  /** False when there is nothing to validate (a syntax error, not a task list). */
  ok: boolean;
  raw: unknown;
  locate: Locate;
  problems: Problem[];
}

function readSource(
  text: string,
  format: PlanFormat,
  file: string,
  parsed: { value: unknown } | undefined,
): SourceRead {
  if (format === 'milestone-yaml' || format === 'milestone-json') {
    const syntax = format === 'milestone-yaml' ? readYaml(text, file) : readJson(text, file, parsed);
    if (!syntax.ok) return { ok: false, raw: null, locate: () => ({ file }), problems: syntax.problems };
    return { ok: true, raw: syntax.value, locate: fieldLocator(file, syntax.positionOf), problems: [] };
  }
  const imported =
    format === 'kiro'
      ? importKiro(text, { file })
      : format === 'spec-kit'
        ? importSpecKit(text, { file })
        : importTaskMaster(text, { file, parsed });
  return {
    ok: imported.raw !== null,
    raw: imported.raw,
    locate: importLocator(file, imported),
    problems: imported.problems,
  };
}

/** For milestone plans: the field path itself, and its line and column. */
function fieldLocator(file: string, positionOf: PositionOf): Locate {
  return (path, target) => located(file, formatFieldPath(path), positionOf(path, target));
}

/**
 * For imported plans the raw field paths mean nothing to the author, so a task's problems
 * point at the task in the source: its line (Markdown) or its path and line (JSON).
 */
function importLocator(file: string, imported: ImportResult): Locate {
  return (path: FieldPath) => {
    const index = path[0] === 'tasks' && typeof path[1] === 'number' ? path[1] : undefined;
    const origin = index === undefined ? undefined : imported.origins[index];
    if (!origin) {
      // The list itself (`the plan has no tasks`): where the source keeps it, when it says.
      const list = path.length === 1 && path[0] === 'tasks' ? imported.tasksPath : undefined;
      const position = list ? imported.positionOf?.(list) : undefined;
      return list ? located(file, formatFieldPath(list), position) : { file };
    }
    const position =
      origin.line === undefined && origin.path ? imported.positionOf?.(origin.path) : undefined;
    const line = origin.line ?? position?.line;
    const field = origin.path ? formatFieldPath(origin.path) : '';
    return located(file, field, line === undefined ? undefined : { line, column: position?.column });
  };
}

function located(
  file: string,
  field: string,
  position: { line: number; column?: number | undefined } | undefined,
): Location {
  const location: Location = { file };
  if (position) {
    location.line = position.line;
    if (position.column !== undefined) location.column = position.column;
  }
  if (field) location.field = field;
  return location;
}
