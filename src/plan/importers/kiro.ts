import type { Problem } from '../../errors.js';
import { PLAN_CODES } from '../codes.js';
import { pathsIn } from './file-paths.js';
import type { ImportedTask, ImportOptions, ImportResult, TaskOrigin } from './import-result.js';
import { headingText, indentOf, linesOutsideFences, markdownTitle, notQuiteATask } from './markdown.js';

/** `- [ ] 2.1 Title`, `- [x] 3. Title`, `- [ ]* 4.2 Optional title` (Kiro marks optional tasks with `*`). */
const TASK_LINE = /^(\s*)[-*+]\s+\[([ xX~-])\](\*)?\s+(?:(\d+(?:\.\d+)*)\.?\s+)?(.+?)\s*$/;
/** Headings that say nothing about the feature; the spec folder's name is a better title. */
const GENERIC_HEADING = /^(implementation plan|tasks?|task list)$/i;
const SPEC_FOLDER = /(?:^|[\\/])\.kiro[\\/]specs[\\/]([^\\/]+)[\\/][^\\/]+$/;

interface KiroItem {
  number: string;
  title: string;
  optional: boolean;
  line: number;
  indent: number;
  details: string[];
  children: KiroItem[];
  parent: KiroItem | undefined;
}

/**
 * Maps a Kiro `tasks.md` to a plan. Ids come from the numbers (`2.1` -> `task-2-1`); tasks run
 * in document order: a task needs its previous sibling, a first subtask needs what its parent
 * would need, and a parent with subtasks becomes an integration task that needs them all.
 * Indented lines under a task become its prompt; all tasks are in the execute phase.
 */
export function importKiro(text: string, options: ImportOptions): ImportResult {
  const roots: KiroItem[] = [];
  const byNumber = new Map<string, KiroItem>();
  let current: KiroItem | undefined;
  let heading: string | undefined;
  const problems: Problem[] = [];
  for (const source of linesOutsideFences(text)) {
    const { number: lineNumber, text: line } = source;
    heading ??= headingText(line, 1);
    const match = TASK_LINE.exec(line);
    const almost = match ? undefined : notQuiteATask(source, options.file, '- [ ] 1. Title');
    if (match) {
      current = addItem(match, lineNumber, roots, byNumber, current);
    } else if (almost) {
      problems.push(almost);
      current = undefined;
    } else if (current && line.trim() && indentOf(line) > current.indent) {
      current.details.push(line);
    } else if (line.trim()) {
      current = undefined;
    }
  }

  const tasks: ImportedTask[] = [];
  const origins: TaskOrigin[] = [];
  emit(roots, [], tasks, origins);
  if (tasks.length === 0 && problems.length === 0) {
    problems.push({
      code: PLAN_CODES.import,
      message: 'no Kiro tasks found: expected checkbox lines like `- [ ] 1. Title`',
      location: { file: options.file },
    });
  }
  const specName = SPEC_FOLDER.exec(options.file)?.[1];
  const title = heading && !(specName && GENERIC_HEADING.test(heading)) ? heading : (specName ?? heading);
  return { raw: { version: 1, ...(title ? { milestone: title } : {}), tasks }, origins, problems };
}

function addItem(
  match: RegExpExecArray,
  line: number,
  roots: KiroItem[],
  byNumber: Map<string, KiroItem>,
  previous: KiroItem | undefined,
): KiroItem {
  const indent = match[1]!.replace(/\t/g, '    ').length;
  let number = match[4];
  let parent: KiroItem | undefined;
  if (number) {
    parent = byNumber.get(number.split('.').slice(0, -1).join('.'));
  } else {
    // Unnumbered: a child of the enclosing task when indented under it, else the next top-level number.
    let enclosing = previous;
    while (enclosing && enclosing.indent >= indent) enclosing = enclosing.parent;
    parent = enclosing;
    const siblings = parent ? parent.children : roots;
    number = `${parent ? `${parent.number}.` : ''}${siblings.length + 1}`;
  }
  const item: KiroItem = {
    number,
    title: match[5]!,
    optional: match[3] === '*',
    line,
    indent,
    details: [],
    children: [],
    parent,
  };
  (parent ? parent.children : roots).push(item);
  byNumber.set(number, item);
  return item;
}

/** Emits `items` (siblings) in order; `entry` is what the first of them needs. */
function emit(items: KiroItem[], entry: string[], tasks: ImportedTask[], origins: TaskOrigin[]): void {
  let before = entry;
  for (const item of items) {
    const id = `task-${item.number.replace(/\./g, '-')}`;
    emit(item.children, before, tasks, origins);
    const childIds = item.children.map((child) => `task-${child.number.replace(/\./g, '-')}`);
    const details = dedent(item.details);
    const integrate =
      childIds.length > 0
        ? `\n\nSubtasks ${item.children.map((child) => child.number).join(', ')} run first as their own tasks; check that their work fits together and finish what remains of this task.`
        : '';
    tasks.push({
      id,
      title: markdownTitle(item.title, item.optional ? ' (optional)' : ''),
      phase: 'execute',
      prompt: `${item.title}${details ? `\n\n${details}` : ''}${integrate}`,
      needs: childIds.length > 0 ? childIds : before,
      files: pathsIn(details, { backtickedOnly: true }),
    });
    origins.push({ line: item.line });
    before = [id];
  }
}

/** Detail lines without their common indentation; `_Requirements: 1.2_` loses its emphasis. */
function dedent(lines: string[]): string {
  const width = Math.min(...lines.map(indentOf));
  return lines
    .map((line) =>
      line
        .replace(/\t/g, '    ')
        .slice(width)
        .replace(/^([-*+]\s+)?_([A-Za-z ]+:[^_]*)_\s*$/, '$1$2'),
    )
    .join('\n');
}
