import { formatDuration, parseDuration } from '../core/duration.js';
import type { Plan, TaskSpec } from '../core/types.js';

/**
 * A plan as a milestone plan file (`milestone.yaml`): the shape people write, with durations
 * as `2h`/`30m`, empty lists and default values left out. `parsePlan` of the result gives back
 * an equal plan.
 */
export function planToYaml(plan: Plan): string {
  const file: Record<string, unknown> = { version: 1, milestone: plan.title, id: plan.id };
  if (plan.description !== undefined) file.description = plan.description;
  if (plan.base !== undefined) file.base = plan.base;
  file.weights = plan.weights;
  const defaults: Record<string, unknown> = { agent: plan.defaults.agent };
  if (plan.defaults.verify !== undefined) defaults.verify = plan.defaults.verify;
  defaults.timeout = timeoutText(plan.defaults.timeoutMs);
  defaults.retries = plan.defaults.retries;
  if (plan.defaults.commitType !== undefined) defaults.commitType = plan.defaults.commitType;
  file.defaults = defaults;
  // The tasks written straight to text (what `blockMap` would write of a map per task under
  // `tasks:`, with empty lists and default values left out): a plan has thousands. Every piece
  // goes into one list joined once: most are the plan's own strings or constants, so the
  // record allocates little besides the file's text.
  const out: string[] = [blockMap(file, ''), '\ntasks:'];
  for (let t = 0; t < plan.tasks.length; t++) writeTask(plan.tasks[t]!, out);
  out.push('\n');
  return out.join('');
}

/** Indentation of a task's keys after its first, which follows `  - `. */
const TASK_PAD = '    ';

/** A task as an item of `tasks:`: `blockMap`'s text for its map of the fields people write. */
function writeTask(task: TaskSpec, out: string[]): void {
  out.push(
    '\n  - id: ',
    scalar(task.id, TASK_PAD, false),
    '\n    title: ',
    scalar(task.title, TASK_PAD, false),
  );
  if (task.phase !== 'execute') out.push('\n    phase: ', scalar(task.phase, TASK_PAD, false));
  if (task.prompt !== undefined) out.push('\n    prompt: ', scalar(task.prompt, TASK_PAD, false));
  if (task.run !== undefined) out.push('\n    run: ', scalar(task.run, TASK_PAD, false));
  if (task.needs.length > 0) writeFlowList('\n    needs: [', task.needs, out);
  if (task.files.length > 0) writeFlowList('\n    files: [', task.files, out);
  const estimate = task.estimate;
  if (estimate) {
    const { optimistic, likely, pessimistic } = estimate;
    if (optimistic === likely && likely === pessimistic) out.push('\n    estimate: ', minutesText(likely));
    else
      out.push(
        '\n    estimate: {optimistic: ',
        minutesText(optimistic),
        ', likely: ',
        minutesText(likely),
        ', pessimistic: ',
        minutesText(pessimistic),
        '}',
      );
  }
  if (task.agent !== undefined) out.push('\n    agent: ', scalar(task.agent, TASK_PAD, false));
  if (task.verify !== undefined) out.push('\n    verify: ', scalar(task.verify, TASK_PAD, false));
  if (task.timeoutMs !== undefined)
    out.push('\n    timeout: ', scalar(timeoutText(task.timeoutMs), TASK_PAD, false));
  if (task.retries !== undefined) out.push('\n    retries: ', String(task.retries));
  if (task.commitType !== undefined) out.push('\n    commitType: ', scalar(task.commitType, TASK_PAD, false));
}

/** `flowValue` of a list of strings, after `head` (which opens it). */
function writeFlowList(head: string, items: readonly string[], out: string[]): void {
  out.push(head, scalar(items[0], '', true));
  for (let i = 1; i < items.length; i++) out.push(', ', scalar(items[i], '', true));
  out.push(']');
}

// Written by hand, not through yaml's Document: building a node per value cost ~0.3 s of a
// 2,000-task `plan --from`. Only the shapes above occur: maps, lists, strings, numbers.

/** Lists and maps under these keys read best on one line: `needs: [a, b]`, `weights: {...}`. */
const FLOW_KEYS = new Set(['needs', 'files', 'weights', 'estimate']);

function blockMap(map: Record<string, unknown>, pad: string): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (FLOW_KEYS.has(key) && typeof value === 'object' && value !== null) {
      lines.push(`${pad}${key}: ${flowValue(value)}`);
    } else if (Array.isArray(value)) {
      lines.push(`${pad}${key}:`);
      for (const item of value as Record<string, unknown>[]) {
        const entry = blockMap(item, `${pad}    `);
        lines.push(`${pad}  - ${entry.slice(pad.length + 4)}`);
      }
    } else if (typeof value === 'object' && value !== null) {
      lines.push(`${pad}${key}:`, blockMap(value as Record<string, unknown>, `${pad}  `));
    } else lines.push(`${pad}${key}: ${scalar(value, pad, false)}`);
  }
  return lines.join('\n');
}

function flowValue(value: object): string {
  if (Array.isArray(value)) return `[${value.map((item) => scalar(item, '', true)).join(', ')}]`;
  const pairs = Object.entries(value).map(([key, item]) => `${key}: ${scalar(item, '', true)}`);
  return `{${pairs.join(', ')}}`;
}

/** Plain when it surely reads back as this string; else JSON's double quotes (valid YAML). */
const PLAIN = /^(?:[A-Za-z_][A-Za-z0-9_ ./*()+@~-]*|\d+(?:\.\d+)?(?:ms|s|m|h|d|w))$/;
/** Words YAML 1.1 or 1.2 would read as a boolean or null. */
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|nan|inf)$/i;

function scalar(value: unknown, pad: string, flow: boolean): string {
  if (typeof value === 'number') return String(value);
  const text = String(value);
  // RESERVED words are at most 5 characters long: longer texts skip that test.
  if (
    PLAIN.test(text) &&
    text.charCodeAt(text.length - 1) !== 32 &&
    (text.length > 5 || !RESERVED.test(text))
  )
    return text;
  // A multi-line text outside a flow collection reads best as a literal block.
  if (!flow && literalFits(text)) {
    const chomp = text.endsWith('\n') ? '' : '-';
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    const indent = `${pad}  `;
    return `|${chomp}\n${body
      .split('\n')
      .map((line) => (line === '' ? '' : `${indent}${line}`))
      .join('\n')}`;
  }
  return JSON.stringify(text);
}

/**
 * A literal block keeps every character of its lines. It cannot start with white space (its
 * indentation is read from the first line), end in white space other than one line break (the
 * chomping indicator keeps none or one), or hold characters that need escapes.
 */
function literalFits(text: string): boolean {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return (
    text.includes('\n') &&
    body !== '' &&
    !/^\s/.test(body) &&
    !/\s$/.test(body) &&
    !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(body)
  );
}

/** `2h` when that reads back exactly, else the number of minutes. */
function minutesValue(minutes: number): string | number {
  // A plan repeats a few durations thousands of times: each is formatted and checked once.
  let value = minutesValues.get(minutes);
  if (value === undefined) {
    const text = formatDuration(minutes);
    value = parseDuration(text) === minutes ? text : minutes;
    if (minutesValues.size < 10_000) minutesValues.set(minutes, value);
  }
  return value;
}

const minutesValues = new Map<number, string | number>();

/** {@link minutesValue} as a flow scalar (an estimate's text), cached as {@link minutesValue} is. */
function minutesText(minutes: number): string {
  let text = minutesTexts.get(minutes);
  if (text === undefined) {
    text = scalar(minutesValue(minutes), '', true);
    if (minutesTexts.size < 10_000) minutesTexts.set(minutes, text);
  }
  return text;
}

const minutesTexts = new Map<number, string>();

function timeoutText(ms: number): string | number {
  if (ms % 60_000 === 0) return minutesValue(ms / 60_000);
  return `${ms / 1000}s`;
}
