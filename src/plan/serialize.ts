import { formatDuration, parseDuration } from '../core/duration.js';
import type { Plan, TaskSpec } from '../core/types.js';

/**
 * A plan as a milestone plan file (`milestone.yaml`): the shape people write, with durations
 * as `2h`/`30m`, empty lists and default values left out. `parsePlan` of the result gives back
 * an equal plan.
 */
export function planToYaml(plan: Plan): string {
  // Written straight to text, not through yaml's Document (building a node per value cost ~0.3 s
  // of a 2,000-task `plan --from`): every piece goes into one list joined once. Most are the
  // plan's own strings or constants, so the file allocates little besides its text. Only maps,
  // lists, strings and numbers occur; lists and maps under `needs`, `files`, `weights` and
  // `estimate` read best on one line (`needs: [a, b]`), others are blocks.
  const out: string[] = [];
  writeHeader(plan, out);
  out.push('\ntasks:');
  for (let t = 0; t < plan.tasks.length; t++) writeTask(plan.tasks[t]!, out);
  out.push('\n');
  return out.join('');
}

/** The plan's fields before `tasks:`, in the file's order; defaults' default values kept. */
function writeHeader(plan: Plan, out: string[]): void {
  out.push('version: 1\nmilestone: ', scalar(plan.title, '', false), '\nid: ', scalar(plan.id, '', false));
  if (plan.description !== undefined) out.push('\ndescription: ', scalar(plan.description, '', false));
  if (plan.base !== undefined) out.push('\nbase: ', scalar(plan.base, '', false));
  const weights = Object.entries(plan.weights).map(
    ([phase, weight]) => `${phase}: ${scalar(weight, '', true)}`,
  );
  out.push('\nweights: {', weights.join(', '), '}');
  const defaults = plan.defaults;
  out.push('\ndefaults:\n  agent: ', scalar(defaults.agent, '  ', false));
  if (defaults.verify !== undefined) out.push('\n  verify: ', scalar(defaults.verify, '  ', false));
  out.push('\n  timeout: ', scalar(timeoutText(defaults.timeoutMs), '  ', false));
  out.push('\n  retries: ', scalar(defaults.retries, '  ', false));
  if (defaults.commitType !== undefined)
    out.push('\n  commitType: ', scalar(defaults.commitType, '  ', false));
}

/** Indentation of a task's keys after its first, which follows `  - `. */
const TASK_PAD = '    ';

/** A task as an item of `tasks:`: the fields people write, empty lists and default values left out. */
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

/** A list of strings on one line (`[a, b]`), after `head` (which opens it). */
function writeFlowList(head: string, items: readonly string[], out: string[]): void {
  out.push(head, scalar(items[0], '', true));
  for (let i = 1; i < items.length; i++) out.push(', ', scalar(items[i], '', true));
  out.push(']');
}

/** Plain when it surely reads back as this string; else JSON's double quotes (valid YAML). */
export const PLAIN = /^(?:[A-Za-z_][A-Za-z0-9_ ./*()+@~-]*|\d+(?:\.\d+)?(?:ms|s|m|h|d|w))$/;
/** Words YAML 1.1 or 1.2 would read as a boolean or null. */
export const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|nan|inf)$/i;

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
  return notPlainScalar(text, pad, flow);
}

/** A text that is not plain: a literal block where it fits outside a flow collection, else JSON's quotes. */
export function notPlainScalar(text: string, pad: string, flow: boolean): string {
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
export function minutesValue(minutes: number): string | number {
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

export function timeoutText(ms: number): string | number {
  if (ms % 60_000 === 0) return minutesValue(ms / 60_000);
  return `${ms / 1000}s`;
}
