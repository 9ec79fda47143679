// planToYaml as it was before its tasks were written straight to text (commit 1155442): the
// oracle of test/plan/validate-oracle.property.test.ts. Not changed with the code. How a single
// value is told plain, how one that is not is written, and how durations are written back (PLAIN,
// RESERVED, notPlainScalar, minutesValue, timeoutText) are the code's: what this checks is the text
// built around them.
import type { Estimate, Plan, TaskSpec } from '../../src/core/types.js';
import { minutesValue, notPlainScalar, PLAIN, RESERVED, timeoutText } from '../../src/plan/serialize.js';

/**
 * A plan as a milestone plan file (`milestone.yaml`): the shape people write, with durations
 * as `2h`/`30m`, empty lists and default values left out. `parsePlan` of the result gives back
 * an equal plan.
 */
export function planToYamlOracle(plan: Plan): string {
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
  file.tasks = plan.tasks.map(taskEntry);

  return `${blockMap(file, '')}\n`;
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

function scalar(value: unknown, pad: string, flow: boolean): string {
  if (typeof value === 'number') return String(value);
  const text = String(value);
  if (PLAIN.test(text) && !text.endsWith(' ') && !RESERVED.test(text)) return text;
  return notPlainScalar(text, pad, flow);
}

function taskEntry(task: TaskSpec): Record<string, unknown> {
  const entry: Record<string, unknown> = { id: task.id, title: task.title };
  if (task.phase !== 'execute') entry.phase = task.phase;
  if (task.prompt !== undefined) entry.prompt = task.prompt;
  if (task.run !== undefined) entry.run = task.run;
  if (task.needs.length > 0) entry.needs = [...task.needs];
  if (task.files.length > 0) entry.files = [...task.files];
  if (task.estimate) entry.estimate = estimateValue(task.estimate);
  if (task.agent !== undefined) entry.agent = task.agent;
  if (task.verify !== undefined) entry.verify = task.verify;
  if (task.timeoutMs !== undefined) entry.timeout = timeoutText(task.timeoutMs);
  if (task.retries !== undefined) entry.retries = task.retries;
  if (task.commitType !== undefined) entry.commitType = task.commitType;
  return entry;
}

function estimateValue(estimate: Estimate): unknown {
  const { optimistic, likely, pessimistic } = estimate;
  if (optimistic === likely && likely === pessimistic) return minutesValue(likely);
  return {
    optimistic: minutesValue(optimistic),
    likely: minutesValue(likely),
    pessimistic: minutesValue(pessimistic),
  };
}
