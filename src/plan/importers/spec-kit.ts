import { PHASES, type Phase } from '../../core/types.js';
import type { Problem } from '../../errors.js';
import { PLAN_CODES } from '../codes.js';
import { pathsIn } from './file-paths.js';
import type { ImportedTask, ImportOptions, ImportResult, TaskOrigin } from './import-result.js';
import { headingText, linesOutsideFences, markdownTitle, notQuiteATask } from './markdown.js';

/** `- [ ] T012 [P] [US1] Create User model in src/models/user.py` */
const TASK_LINE = /^\s*[-*+]\s+\[([ xX])\]\s+([Tt]\d+)\b:?\s*(.*)$/;
/** A box followed by a task number, however the box is written (a checklist item has no number). */
const NUMBERED_BOX = /\[[^\]]{0,2}\]\s*\**[Tt]\d+\b/;
const LABEL = /^\[([^\]\s]+)\]\s*/;
const DEPENDS_ON = /\b(?:depends on|after|requires)\s+((?:T\d+(?:\s*(?:,|and|&)\s*)?)+)/gi;

/**
 * Which milestone phase a spec-kit section runs in. spec-kit's own design, spec and task
 * documents come before tasks.md, so its sections are mostly implementation: setup and
 * foundational (blocking) work maps to `task`, research/design sections to `design`,
 * everything else (tests, user stories, polish) to `execute`.
 */
export function specKitPhase(heading: string): Phase {
  const name = heading.replace(/^phase\s+[\d.]+\s*[:.)-]?\s*/i, '');
  if (/research|design|architecture/i.test(name)) return 'design';
  if (/setup|foundation|prerequisite|infrastructure|scaffold/i.test(name)) return 'task';
  return 'execute';
}

interface Sequencer {
  /** What the next sequential task needs. */
  frontier: string[];
  /** The open run of consecutive `[P]` tasks: what they all need, and who is in it. */
  group: { needs: string[]; members: string[] } | undefined;
}

/**
 * Maps a spec-kit `tasks.md` to a plan. Ids are the task numbers (`T012` -> `t012`); order is
 * a dependency except within a run of consecutive `[P]` tasks, which share what the run's
 * first task needs; a heading closes the run. `depends on T005` in a description adds that
 * dependency. Paths in the description go to `files`.
 */
export function importSpecKit(text: string, options: ImportOptions): ImportResult {
  const tasks: ImportedTask[] = [];
  const origins: TaskOrigin[] = [];
  const sequencer: Sequencer = { frontier: [], group: undefined };
  let title: string | undefined;
  let section = '';
  let phaseFloor = 0;
  const problems: Problem[] = [];
  for (const source of linesOutsideFences(text)) {
    const { number, text: line } = source;
    const top = headingText(line, 1);
    if (top !== undefined) {
      title ??= top.replace(/^tasks?\s*:\s*/i, '');
      continue;
    }
    if (/^#{2,6}\s/.test(line)) {
      closeGroup(sequencer);
      if (headingText(line, 2) !== undefined) section = line.replace(/^#+\s*/, '').trim();
      continue;
    }
    const match = TASK_LINE.exec(line);
    if (!match) {
      const almost = NUMBERED_BOX.test(line) && notQuiteATask(source, options.file, '- [ ] T001 Description');
      if (almost) problems.push(almost);
      continue;
    }
    // Phases never go back: a later section may need an earlier one, never the reverse.
    phaseFloor = Math.max(phaseFloor, PHASES.indexOf(specKitPhase(section)));
    const { task, parallel, explicit } = readTask(match[2]!, match[3]!, section, PHASES[phaseFloor]!);
    task.needs = sequence(task.id, parallel, sequencer);
    for (const dep of explicit) if (!task.needs.includes(dep) && dep !== task.id) task.needs.push(dep);
    tasks.push(task);
    origins.push({ line: number });
  }
  if (tasks.length === 0 && problems.length === 0) {
    problems.push({
      code: PLAN_CODES.import,
      message: 'no spec-kit tasks found: expected lines like `- [ ] T001 [P] [US1] Description`',
      location: { file: options.file },
    });
  }
  return { raw: { version: 1, ...(title ? { milestone: title } : {}), tasks }, origins, problems };
}

function readTask(
  number: string,
  rest: string,
  section: string,
  phase: Phase,
): { task: ImportedTask; parallel: boolean; explicit: string[] } {
  let description = rest;
  let parallel = false;
  let story: string | undefined;
  const others: string[] = [];
  for (let label = LABEL.exec(description); label; label = LABEL.exec(description)) {
    const value = label[1]!;
    if (value === 'P') parallel = true;
    else if (/^US\d+$/i.test(value)) story = value.toUpperCase();
    else others.push(`[${value}]`);
    description = description.slice(label[0].length);
  }
  description = [...others, description].join(' ').trim();
  const explicit = [...description.matchAll(DEPENDS_ON)].flatMap((match) =>
    [...match[1]!.matchAll(/T\d+/gi)].map((ref) => ref[0].toLowerCase()),
  );
  const context = [
    `spec-kit task ${number}`,
    story ? `user story ${story}` : undefined,
    section ? `section "${section}"` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const task: ImportedTask = {
    id: number.toLowerCase(),
    title: markdownTitle(story ? `[${story}] ${description}` : description),
    phase,
    prompt: `${description}\n\n(${context}.)`,
    needs: [],
    files: pathsIn(description),
  };
  return { task, parallel, explicit };
}

/** What a task needs from its position: the frontier, or its `[P]` run's shared needs. */
function sequence(id: string, parallel: boolean, state: Sequencer): string[] {
  if (parallel) {
    state.group ??= { needs: state.frontier, members: [] };
    state.group.members.push(id);
    return [...state.group.needs];
  }
  closeGroup(state);
  const needs = state.frontier;
  state.frontier = [id];
  return [...needs];
}

function closeGroup(state: Sequencer): void {
  if (!state.group) return;
  state.frontier = state.group.members;
  state.group = undefined;
}
