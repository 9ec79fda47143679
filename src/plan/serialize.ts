import { Document, isMap, isSeq, visit } from 'yaml';
import { formatDuration, parseDuration } from '../core/duration.js';
import type { Estimate, Plan, TaskSpec } from '../core/types.js';

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
  file.tasks = plan.tasks.map(taskEntry);

  const doc = new Document(file);
  // Short lists and the weights read best on one line: `needs: [a, b]`.
  visit(doc, {
    Pair(_, pair) {
      const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
      if ((key === 'needs' || key === 'files') && isSeq(pair.value)) pair.value.flow = true;
      if ((key === 'weights' || key === 'estimate') && isMap(pair.value)) pair.value.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
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

/** `2h` when that reads back exactly, else the number of minutes. */
function minutesValue(minutes: number): string | number {
  const text = formatDuration(minutes);
  return parseDuration(text) === minutes ? text : minutes;
}

function timeoutText(ms: number): string | number {
  if (ms % 60_000 === 0) return minutesValue(ms / 60_000);
  return `${ms / 1000}s`;
}
