import type { Problem } from '../../errors.js';
import { PLAN_CODES } from '../codes.js';
import { describeValue, type FieldPath, formatFieldPath, isRecord } from '../field-path.js';
import { slugify } from '../slug.js';
import { readJson } from '../syntax.js';
import { pathsIn } from './file-paths.js';
import type { ImportedTask, ImportOptions, ImportResult, TaskOrigin } from './import-result.js';

/** Where the task list sits: legacy `{ tasks }` or tagged `{ master: { tasks } }`. */
interface TaskList {
  tasks: unknown[];
  path: FieldPath;
  tag: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

/**
 * Maps a Task Master `tasks.json` to a plan. Task 7 becomes `task-7`, its subtask 2
 * `task-7-2`. Subtasks are tasks of their own: a subtask's number dependency names a sibling
 * subtask when one has that number (else top-level task), `"7.2"` names subtask 2 of task 7,
 * and a subtask that needs no sibling inherits its parent's dependencies. A parent with
 * subtasks becomes an integration task that needs all of them. The prompt is description,
 * details and "Test strategy: ...". Status and priority are not imported.
 */
export function importTaskMaster(
  text: string,
  options: ImportOptions & {
    /** `JSON.parse(text)`, when the caller has it already (telling the format apart parsed it). */
    parsed?: { value: unknown } | undefined;
  },
): ImportResult {
  const json = readJson(text, options.file, options.parsed);
  if (!json.ok) return { raw: null, origins: [], problems: json.problems };
  const list = findTaskList(json.value);
  if (!list) {
    const problem: Problem = {
      code: PLAN_CODES.import,
      message:
        'not a Task Master file: expected { "tasks": [...] } or tagged { "master": { "tasks": [...] } }',
      location: { file: options.file },
    };
    return { raw: null, origins: [], problems: [problem], positionOf: json.positionOf };
  }

  const tasks: ImportedTask[] = [];
  const origins: TaskOrigin[] = [];
  const problems: Problem[] = [];
  // A field of the wrong type is reported, never dropped: a string `dependencies` would
  // otherwise lose a dependency without a word.
  const checkTypes = (entry: Record<string, unknown>, path: FieldPath) => {
    for (const problem of wrongTypes(entry)) {
      const at = [...path, ...problem.at];
      const pos = json.positionOf(at);
      problems.push({
        code: PLAN_CODES.import,
        message: problem.message,
        location: {
          file: options.file,
          field: formatFieldPath(at),
          ...(pos ? { line: pos.line, column: pos.column } : {}),
        },
      });
    }
  };
  list.tasks.forEach((entry, index) => {
    const path = [...list.path, index];
    const parent = readEntry(entry);
    if (!parent) {
      problems.push(notATask(options.file, path, json.positionOf));
      return;
    }
    checkTypes(parent.entry, path);
    const id = taskId(parent.id);
    const parentNeeds = dependencies(parent.entry.dependencies, (dep) => topLevelRef(dep));
    const subtasks = Array.isArray(parent.entry.subtasks) ? parent.entry.subtasks : [];
    const siblings = new Set(subtasks.map((sub) => readEntry(sub)?.id));
    const childIds: string[] = [];
    subtasks.forEach((sub, subIndex) => {
      const subPath = [...path, 'subtasks', subIndex];
      const child = readEntry(sub);
      if (!child) {
        problems.push(notATask(options.file, subPath, json.positionOf));
        return;
      }
      checkTypes(child.entry, subPath);
      const childId = `${id}-${slugify(child.id)}`;
      const needs = dependencies(child.entry.dependencies, (dep) =>
        typeof dep === 'number' || /^\d+$/.test(String(dep))
          ? siblings.has(String(dep))
            ? `${id}-${dep}`
            : topLevelRef(dep)
          : topLevelRef(dep),
      ).filter((need) => need !== id);
      const hasSibling = needs.some((need) => need.startsWith(`${id}-`));
      tasks.push(toTask(childId, child.entry, hasSibling ? needs : unique([...parentNeeds, ...needs]), ''));
      origins.push({ path: subPath });
      childIds.push(childId);
    });
    const integrate =
      childIds.length > 0
        ? `Its subtasks (${childIds.join(', ')}) run first as their own tasks; integrate their work and finish what remains.`
        : '';
    tasks.push(toTask(id, parent.entry, unique([...parentNeeds, ...childIds]), integrate));
    origins.push({ path });
  });

  const projectName = list.metadata?.projectName;
  const title =
    typeof projectName === 'string' && projectName.trim()
      ? projectName
      : `Task Master tasks${list.tag ? ` (${list.tag})` : ''}`;
  return {
    raw: { version: 1, milestone: title, tasks },
    origins,
    problems,
    positionOf: json.positionOf,
    tasksPath: list.path,
  };
}

/** The task list of a Task Master file: legacy, the `master` tag, else the first tag (tags with tasks first). */
function findTaskList(value: unknown): TaskList | undefined {
  if (!isRecord(value)) return undefined;
  if (Array.isArray(value.tasks)) {
    const metadata = isRecord(value.meta)
      ? value.meta
      : isRecord(value.metadata)
        ? value.metadata
        : undefined;
    return { tasks: value.tasks, path: ['tasks'], tag: undefined, metadata };
  }
  const tags = Object.keys(value).filter((key) => isRecord(value[key]) && Array.isArray(value[key].tasks));
  // An empty `master` beside a tag with tasks (work moved to a feature tag) reads that tag.
  const withTasks = tags.filter((key) => ((value[key] as Record<string, unknown[]>).tasks ?? []).length > 0);
  const tag = [withTasks, tags].map((list) => (list.includes('master') ? 'master' : list[0])).find(Boolean);
  if (tag === undefined) return undefined;
  const entry = value[tag] as Record<string, unknown>;
  const metadata = isRecord(entry.metadata) ? entry.metadata : undefined;
  return { tasks: entry.tasks as unknown[], path: [tag, 'tasks'], tag, metadata };
}

function readEntry(value: unknown): { id: string; entry: Record<string, unknown> } | undefined {
  if (!isRecord(value)) return undefined;
  const id = value.id;
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return { id: String(id), entry: value };
  if (typeof id === 'string' && id.trim()) return { id: id.trim(), entry: value };
  return undefined;
}

function taskId(id: string): string {
  return `task-${slugify(id)}`;
}

/** A top-level reference: `7` -> `task-7`, `"7.2"` -> `task-7-2`. */
function topLevelRef(dep: unknown): string {
  return taskId(String(dep).trim().replace(/\./g, '-'));
}

function dependencies(value: unknown, map: (dep: string | number) => string): string[] {
  if (!Array.isArray(value)) return [];
  return unique(
    value
      .filter((dep): dep is string | number => typeof dep === 'number' || typeof dep === 'string')
      .map(map),
  );
}

function toTask(id: string, entry: Record<string, unknown>, needs: string[], extra: string): ImportedTask {
  const title = typeof entry.title === 'string' ? entry.title : '';
  const text = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string).trim() : '');
  const strategy = text('testStrategy');
  const parts = [text('description'), text('details'), strategy ? `Test strategy: ${strategy}` : '', extra];
  const prompt = parts.filter(Boolean).join('\n\n') || title;
  return {
    id,
    title,
    phase: 'execute',
    prompt,
    needs,
    files: pathsIn(`${text('description')}\n${text('details')}`, { backtickedOnly: true }),
  };
}

function notATask(file: string, path: FieldPath, positionOf: ImportResult['positionOf']): Problem {
  const pos = positionOf?.(path);
  return {
    code: PLAN_CODES.import,
    message: 'a Task Master task needs a numeric `id`',
    location: { file, field: formatFieldPath(path), ...(pos ? { line: pos.line, column: pos.column } : {}) },
  };
}

const TEXT_FIELDS = ['title', 'description', 'details', 'testStrategy'] as const;

/** Fields of a Task Master task whose type is wrong, each with the path below the task. */
function wrongTypes(entry: Record<string, unknown>): Array<{ at: FieldPath; message: string }> {
  const found: Array<{ at: FieldPath; message: string }> = [];
  for (const key of TEXT_FIELDS) {
    const value = entry[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      found.push({ at: [key], message: `\`${key}\` must be text, got ${describeValue(value)}` });
    }
  }
  const deps = entry.dependencies;
  if (deps !== undefined && deps !== null && !Array.isArray(deps)) {
    const example =
      typeof deps === 'string'
        ? ` (write [${deps
            .split(/[\s,]+/)
            .filter(Boolean)
            .join(', ')}])`
        : '';
    found.push({
      at: ['dependencies'],
      message: `\`dependencies\` must be a list of task ids, got ${describeValue(deps)}${example}`,
    });
  } else if (Array.isArray(deps)) {
    deps.forEach((dep, i) => {
      const ok =
        (typeof dep === 'number' && Number.isInteger(dep)) || (typeof dep === 'string' && dep.trim() !== '');
      if (!ok) {
        found.push({
          at: ['dependencies', i],
          message: `a dependency must be a task id (a number or "7.2"), got ${describeValue(dep)}`,
        });
      }
    });
  }
  const subtasks = entry.subtasks;
  if (subtasks !== undefined && subtasks !== null && !Array.isArray(subtasks)) {
    found.push({ at: ['subtasks'], message: `\`subtasks\` must be a list, got ${describeValue(subtasks)}` });
  }
  return found;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
