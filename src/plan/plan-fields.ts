import { DEFAULT_DEFAULTS, ID_PATTERN, type Plan, type PlanDefaults, type TaskSpec } from '../core/types.js';
import { PLAN_CODES } from './codes.js';
import { checkDuration } from './durations.js';
import { isRecord } from './field-path.js';
import { integrationOfPlan } from './integration-fields.js';
import type { Locate, ProblemSink } from './problems.js';
import { slugify } from './slug.js';
import { checkWeights } from './weights.js';

/** What validation needs besides the raw data. */
export interface ValidateContext {
  /** Maps a field path of the raw plan to a place in its source file. */
  locate: Locate;
  /** Overrides the plan's title (`milestone plan <title>`). */
  title?: string | undefined;
  /** Overrides the plan's id (`--id`). */
  id?: string | undefined;
  /** Where this format writes the title, for the message when it has none (default: `milestone:`). */
  titleWhere?: string | undefined;
}

/** The milestone's own fields as far as they could be read (`undefined` where they could not). */
export interface PlanFields {
  title: string | undefined;
  id: string | undefined;
  weights: Plan['weights'];
  defaults: PlanDefaults;
}

const MS_PER_MINUTE = 60_000;

/**
 * Checks the milestone's own fields of a raw plan whose structure was checked (title, tasks
 * present, id, weights, defaults: everything but the tasks) and reads them.
 */
export function readPlanFields(
  raw: Record<string, unknown>,
  context: ValidateContext,
  sink: ProblemSink,
): PlanFields {
  const title = context.title ?? (typeof raw.milestone === 'string' ? raw.milestone : undefined);
  if (context.title !== undefined && !context.title.trim()) {
    sink.add(PLAN_CODES.schema, 'the title given as an option is empty');
  }
  if (title === undefined && raw.milestone === undefined) {
    sink.add(
      PLAN_CODES.schema,
      `the milestone title is required: ${context.titleWhere ?? 'set `milestone:` in the plan'} or give a title`,
      ['milestone'],
    );
  }
  if (title !== undefined)
    checkTitle(title, context.title !== undefined ? [] : ['milestone'], 'the milestone title', sink);
  if (raw.tasks === undefined || (Array.isArray(raw.tasks) && raw.tasks.length === 0)) {
    sink.add(
      PLAN_CODES.empty,
      'the plan has no tasks: add at least one under `tasks:` (each with an id, a title and a prompt or run)',
      raw.tasks === undefined ? [] : ['tasks'],
    );
  }
  const id = checkMilestoneId(raw.id, title, context, sink);
  const weights = checkWeights(raw.weights, sink);
  const defaults = checkDefaults(raw.defaults, sink);
  return { title, id, weights, defaults };
}

/** The plan of checked fields and tasks, or `undefined` when its title or id could not be read. */
export function planOf(
  raw: Record<string, unknown>,
  fields: PlanFields,
  tasks: TaskSpec[],
): Plan | undefined {
  const { title, id, weights, defaults } = fields;
  if (title === undefined || id === undefined) return undefined;
  const plan: Plan = { version: 1, id, title, weights, defaults, tasks };
  if (typeof raw.description === 'string') plan.description = raw.description;
  if (typeof raw.base === 'string') plan.base = raw.base;
  Object.assign(plan, integrationOfPlan(raw));
  return reorder(plan);
}

function checkMilestoneId(
  value: unknown,
  title: string | undefined,
  context: ValidateContext,
  sink: ProblemSink,
): string | undefined {
  if (context.id !== undefined) {
    return checkId(context.id, 'milestone id (given as an option)', [], sink) ? context.id : undefined;
  }
  if (typeof value === 'string') return checkId(value, 'milestone id', ['id'], sink) ? value : undefined;
  return title === undefined ? undefined : slugify(title);
}

/** Reports an id that cannot be a path segment or part of a git ref, saying why. */
export function checkId(
  id: string,
  what: string,
  path: readonly (string | number)[],
  sink: ProblemSink,
): boolean {
  if (ID_PATTERN.test(id)) return true;
  const reason =
    id === ''
      ? 'is empty'
      : id.includes('..')
        ? 'contains `..`'
        : /[/\\]/.test(id)
          ? 'contains a slash'
          : /[A-Z]/.test(id)
            ? 'contains uppercase letters'
            : id.length > 63
              ? `is ${id.length} characters long (at most 63)`
              : id.startsWith('-')
                ? 'starts with `-`'
                : 'contains characters other than a-z, 0-9 and `-`';
  sink.add(
    PLAN_CODES.badId,
    `${what} "${id}" ${reason}: ids are lowercase letters, digits and \`-\`, starting with a letter or digit, at most 63 characters (${ID_PATTERN.source})`,
    path,
  );
  return false;
}

function checkDefaults(value: unknown, sink: ProblemSink): PlanDefaults {
  const defaults: PlanDefaults = { ...DEFAULT_DEFAULTS };
  if (!isRecord(value)) return defaults;
  if (typeof value.agent === 'string') defaults.agent = value.agent;
  if (typeof value.verify === 'string') defaults.verify = value.verify;
  if (typeof value.retries === 'number') defaults.retries = value.retries;
  if (typeof value.commitType === 'string') defaults.commitType = value.commitType;
  if (value.timeout !== undefined) {
    const minutes = checkDuration(value.timeout, ['defaults', 'timeout'], sink, {
      positive: true,
      timer: true,
    });
    if (minutes !== undefined) defaults.timeoutMs = Math.round(minutes * MS_PER_MINUTE);
  }
  return defaults;
}

/** Titles become commit subjects (`feat(execute): <title>`), so they must fit on one line. */
export const MAX_TITLE_LENGTH = 100;

export function checkTitle(
  title: string,
  path: readonly (string | number)[],
  what: string,
  sink: ProblemSink,
): void {
  if (!title.trim()) sink.add(PLAN_CODES.title, `${what} is blank`, path);
  else if (/[\r\n]/.test(title))
    sink.add(
      PLAN_CODES.title,
      `${what} spans several lines; a title is one line (put details in the prompt or description)`,
      path,
    );
  else if (title.length > MAX_TITLE_LENGTH)
    sink.add(
      PLAN_CODES.title,
      `${what} is ${title.length} characters long; at most ${MAX_TITLE_LENGTH}, since it becomes a commit subject (put details in the prompt or description)`,
      path,
    );
}

/** Plain key order for the stored plan: readable `plan.json`, stable diffs. */
function reorder(plan: Plan): Plan {
  const { version, id, title, description, base, weights, defaults, verify, integration, phases, tasks } =
    plan;
  return {
    version,
    id,
    title,
    ...(description === undefined ? {} : { description }),
    ...(base === undefined ? {} : { base }),
    weights,
    defaults,
    ...(verify === undefined ? {} : { verify }),
    ...(integration === undefined ? {} : { integration }),
    ...(phases === undefined ? {} : { phases }),
    tasks,
  };
}
