import type { Problem } from '../../errors.js';
import { PLAN_CODES } from '../codes.js';
import { MAX_TITLE_LENGTH } from '../plan-fields.js';

/** One line of a Markdown file outside code fences, with its 1-based number. */
export interface MarkdownLine {
  number: number;
  text: string;
}

/** The lines of `text` that are not inside ``` or ~~~ fences (examples in fences are not tasks). */
export function linesOutsideFences(text: string): MarkdownLine[] {
  const lines: MarkdownLine[] = [];
  let fence: string | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker) {
      if (fence === undefined) fence = marker[0];
      else if (marker[0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) lines.push({ number: index + 1, text: line });
  });
  return lines;
}

/** The text of a `# ` heading at the given level, or `undefined`. */
export function headingText(line: string, level: number): string | undefined {
  const match = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
  return match && match[1]!.length === level ? match[2] : undefined;
}

/** Leading whitespace width, a tab counting as 4. */
export function indentOf(line: string): number {
  const lead = /^[ \t]*/.exec(line)![0];
  return lead.replace(/\t/g, '    ').length;
}

/**
 * A Markdown task's text as a task title: a commit subject, so at most `MAX_TITLE_LENGTH`
 * characters. A longer one (spec-kit and Kiro items are often a sentence or two) is cut at a word
 * and ends with `…`; the whole text is in the task's prompt, so nothing is lost. Refusing it left
 * the person to rewrite a file another tool wrote.
 */
export function markdownTitle(text: string, suffix = ''): string {
  const max = MAX_TITLE_LENGTH - suffix.length;
  if (text.length <= max) return `${text}${suffix}`;
  const room = text.slice(0, max - 1);
  const cut = room.lastIndexOf(' ');
  return `${(cut > max / 2 ? room.slice(0, cut) : room).trimEnd()}…${suffix}`;
}

/**
 * A list item that starts with a box like a task's but is not written as one: `- [] 1. Title`,
 * `- [ ]1. Title`, `1. [ ] Title` (an ordered list), `- [ ]` with no text. Skipping it would
 * drop a task the person wrote without a word; `example` is how a task line is written.
 */
export function notQuiteATask(
  line: { number: number; text: string },
  file: string,
  example: string,
): Problem | undefined {
  if (!/^\s*(?:[-*+]|\d+[.)])\s*\[[ xX~-]?\](?!\()/.test(line.text)) return undefined;
  return {
    code: PLAN_CODES.import,
    message: `\`${line.text.trim().slice(0, 60)}\` looks like a task but is not written as one: write it as \`${example}\` (a bullet \`-\`, a space inside the box and one after it)`,
    location: { file, line: line.number },
  };
}
