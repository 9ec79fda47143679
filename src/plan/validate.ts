import { ID_PATTERN, PHASES, type Phase, type Plan, type TaskSpec } from '../core/types.js';
import type { Problem } from '../errors.js';
import { PLAN_CODES } from './codes.js';
import { checkDuration, checkEstimate, estimateOf, timerMinutes } from './durations.js';
import { describeValue, isRecord } from './field-path.js';
import { checkGraph, type TaskDraft } from './graph-checks.js';
import {
  checkId,
  checkTitle,
  MAX_TITLE_LENGTH,
  planOf,
  readPlanFields,
  type ValidateContext,
} from './plan-fields.js';
import { type ProblemSink, problemSink, sortProblems } from './problems.js';
import { checkSchema } from './schema.js';

export type { ValidateContext } from './plan-fields.js';

/** The outcome of validation: a plan only when there is no problem at all. */
export interface ValidateResult {
  plan: Plan | null;
  problems: Problem[];
}

const MS_PER_MINUTE = 60_000;

/**
 * Validates a raw plan object (parsed milestone YAML/JSON, or an importer's output) and
 * normalises it. Every problem is collected, not only the first: structure first, then each
 * field, then the dependency graph over whatever tasks could be read.
 */
export function validatePlan(input: unknown, context: ValidateContext): ValidateResult {
  return validateWith(input, context, TASKS);
}

/**
 * How the tasks of a plan are read and their dependency graph checked: {@link validatePlan}'s
 * own, or another implementation of them to compare it with (the oracle of its tests).
 */
export interface TaskChecks<Draft extends { spec: TaskSpec }> {
  readTask(value: unknown, index: number, sink: ProblemSink): Draft;
  checkGraph(tasks: readonly Draft[], sink: ProblemSink): void;
}

const TASKS: TaskChecks<TaskDraft> = { readTask, checkGraph };

/** {@link validatePlan} with the tasks read and checked by `taskChecks`. */
export function validateWith<Draft extends { spec: TaskSpec }>(
  input: unknown,
  context: ValidateContext,
  taskChecks: TaskChecks<Draft>,
): ValidateResult {
  const sink = problemSink(context.locate);
  if (!isRecord(input)) {
    const what =
      input === null || input === undefined ? 'the plan is empty' : `the plan is ${describeValue(input)}`;
    sink.add(PLAN_CODES.schema, `${what}; expected a mapping with version: 1, milestone and tasks`);
    return { plan: null, problems: sink.problems };
  }
  // Top-level `x-...` keys are the author's own (a place for YAML anchors), as in Compose files.
  const raw = Object.fromEntries(Object.entries(input).filter(([key]) => !key.startsWith('x-')));
  checkSchema(raw, sink);

  const fields = readPlanFields(raw, context, sink);
  const tasks = Array.isArray(raw.tasks)
    ? raw.tasks.map((task, index) => taskChecks.readTask(task, index, sink))
    : [];
  taskChecks.checkGraph(tasks, sink);

  const specs = tasks.map((task) => task.spec);
  const plan = sink.problems.length > 0 ? undefined : planOf(raw, fields, specs);
  return plan ? { plan, problems: [] } : { plan: null, problems: sortProblems(sink.problems) };
}

export type { TaskDraft } from './graph-checks.js';

/** What `readTask` reads a task that is not a mapping as: no field at all. */
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

function readTask(value: unknown, index: number, sink: ProblemSink): TaskDraft {
  // Field paths and labels are built only for a problem, and each field is checked by a fast
  // test first (the full check, which words the problem, only when that fails): this runs for
  // every task of the plan, mostly before V8 optimises it.
  const record = isRecord(value);
  const task = record ? value : NO_FIELDS;
  const id = typeof task.id === 'string' ? task.id : undefined;
  if (id !== undefined && !ID_PATTERN.test(id)) checkId(id, `task id`, ['tasks', index, 'id'], sink);

  let phase: Phase | undefined = 'execute';
  if (task.phase !== undefined) {
    phase = (PHASES as readonly unknown[]).includes(task.phase) ? (task.phase as Phase) : undefined;
    if (phase === undefined) reportPhase(task.phase, index, sink);
  }
  const prompt = typeof task.prompt === 'string' ? task.prompt : undefined;
  const run = typeof task.run === 'string' ? task.run : undefined;
  // A prompt or run of the wrong type is already a schema problem; do not report it twice.
  const typed =
    (task.prompt === undefined || prompt !== undefined) && (task.run === undefined || run !== undefined);
  if (record && typed && !prompt?.trim() && !run?.trim()) {
    sink.add(
      PLAN_CODES.noAction,
      `${taskLabel(id, index)} has neither \`prompt\` (for a coding agent) nor \`run\` (a command for the shell agent)`,
      ['tasks', index],
    );
  }
  if (typeof task.title === 'string' && task.title !== '' && !titleFits(task.title))
    checkTitle(task.title, ['tasks', index, 'title'], `the title of ${taskLabel(id, index)}`, sink);
  // The distinct needs, in order (a repeated one is reported and left out).
  const needIds: string[] = [];
  const needIndexes = Array.isArray(task.needs) ? readNeeds(task.needs, needIds, id, index, sink) : undefined;
  const files = Array.isArray(task.files) ? readFiles(task.files, index, sink) : [];

  // Keys in the stored plan's order (id, title, phase, prompt, run, needs, files, ...).
  const spec = {
    id: id ?? '',
    title: typeof task.title === 'string' ? task.title : '',
    phase: phase ?? 'execute',
  } as TaskSpec;
  if (prompt !== undefined) spec.prompt = prompt;
  if (run !== undefined) spec.run = run;
  spec.needs = needIds;
  spec.files = files;
  if (task.estimate !== undefined) {
    const estimate =
      estimateOf(task.estimate) ?? checkEstimate(task.estimate, ['tasks', index, 'estimate'], sink);
    if (estimate) spec.estimate = estimate;
  }
  if (typeof task.agent === 'string') spec.agent = task.agent;
  if (typeof task.verify === 'string') spec.verify = task.verify;
  if (task.timeout !== undefined) {
    const minutes =
      timerMinutes(task.timeout) ??
      checkDuration(task.timeout, ['tasks', index, 'timeout'], sink, { positive: true, timer: true });
    if (minutes !== undefined) spec.timeoutMs = Math.round(minutes * MS_PER_MINUTE);
  }
  if (typeof task.retries === 'number') spec.retries = task.retries;
  if (typeof task.commitType === 'string') spec.commitType = task.commitType;
  return { index, id, phase, needIndexes, spec };
}

/** How a problem names a task: by id, or by position when it has none. */
function taskLabel(id: string | undefined, index: number): string {
  return id === undefined ? `tasks[${index}]` : `task "${id}"`;
}

function reportPhase(value: unknown, index: number, sink: ProblemSink): void {
  const shown = typeof value === 'string' ? `"${value}"` : describeValue(value);
  const hint =
    typeof value === 'string' && PHASES.includes(value.toLowerCase() as Phase)
      ? '; phases are lowercase'
      : '';
  sink.add(PLAN_CODES.badPhase, `phase ${shown} is not one of ${PHASES.join(', ')}${hint}`, [
    'tasks',
    index,
    'phase',
  ]);
}

/** Past this many needs a task's repeats are found with a set rather than by comparing pairs. */
const FEW_NEEDS = 16;

/**
 * Puts the distinct string needs of a task into `ids`, in order; a repeat is reported and left
 * out. Returns where each kept one is in the list when an entry was left out (else `undefined`).
 */
function readNeeds(
  list: readonly unknown[],
  ids: string[],
  id: string | undefined,
  index: number,
  sink: ProblemSink,
): number[] | undefined {
  let indexes: number[] | undefined;
  const seen = list.length > FEW_NEEDS ? new Set<string>() : undefined;
  for (let n = 0; n < list.length; n++) {
    const need = list[n];
    if (typeof need === 'string' && !(seen ? seen.has(need) : repeats(ids, need))) {
      seen?.add(need);
      indexes?.push(n);
      ids.push(need);
      continue;
    }
    indexes ??= ids.map((_, kept) => kept);
    if (typeof need !== 'string') continue;
    sink.add(PLAN_CODES.duplicateNeed, `${taskLabel(id, index)} needs "${need}" twice; name it once`, [
      'tasks',
      index,
      'needs',
      n,
    ]);
  }
  return indexes;
}

function repeats(ids: readonly string[], id: string): boolean {
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return true;
  return false;
}

/** The string entries of a task's `files`; one that leaves the repository is reported. */
function readFiles(list: readonly unknown[], index: number, sink: ProblemSink): string[] {
  let strings = 0;
  for (let f = 0; f < list.length; f++) {
    const file = list[f];
    if (typeof file !== 'string') continue;
    strings++;
    const why = outsideRepository(file);
    if (why) sink.add(PLAN_CODES.filesOutside, `files entry "${file}" ${why}`, ['tasks', index, 'files', f]);
  }
  // All strings (the common case): one native copy.
  if (strings === list.length) return list.slice() as string[];
  const files: string[] = [];
  for (let f = 0; f < list.length; f++) if (typeof list[f] === 'string') files.push(list[f] as string);
  return files;
}

/** Whether {@link checkTitle} finds nothing to say about a title (the common case, no allocation). */
function titleFits(title: string): boolean {
  return title.length <= MAX_TITLE_LENGTH && title.trim() !== '' && !/[\r\n]/.test(title);
}

const DRIVE = /^[A-Za-z]:[\\/]/;

/** Why a `files` glob cannot be a path inside the repository, or `null` when it can. */
function outsideRepository(glob: string): string | null {
  const first = glob.charCodeAt(0);
  // `/`, `\`, `~`, or a drive letter (tested only when a `:` follows the first character).
  if (first === 47 || first === 92 || first === 126 || (glob.charCodeAt(1) === 58 && DRIVE.test(glob)))
    return 'is absolute; `files` are paths relative to the repository root';
  // Only a `..` segment can climb out of the repository.
  if (!glob.includes('..')) return null;
  let depth = 0;
  for (const segment of glob.split(/[\\/]/)) {
    if (segment === '..') depth -= 1;
    else if (segment !== '' && segment !== '.') depth += 1;
    if (depth < 0) return 'leaves the repository; `files` are paths relative to the repository root';
  }
  return null;
}
