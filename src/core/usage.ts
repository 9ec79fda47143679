import type { Usage } from './events.js';

/** Usage nobody reported: every figure unknown. */
export const UNKNOWN_USAGE: Usage = { inputTokens: null, outputTokens: null, costUsd: null };

const add = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);

/** Adds two usage records; a figure is unknown (`null`) only when neither side knows it. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: add(a.inputTokens, b.inputTokens),
    outputTokens: add(a.outputTokens, b.outputTokens),
    costUsd: add(a.costUsd, b.costUsd),
  };
}

/** Sums usage records the same way as {@link addUsage}. */
export function sumUsage(records: Iterable<Usage>): Usage {
  let total = UNKNOWN_USAGE;
  for (const usage of records) total = addUsage(total, usage);
  return total;
}

/** Input plus output tokens, `null` when neither count is known. */
export function tokensOf(usage: Usage): number | null {
  if (usage.inputTokens === null && usage.outputTokens === null) return null;
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/** `$1.2345` or `unknown`; never `$0` for an unknown cost. */
export function formatCost(cost: number | null): string {
  return cost === null ? 'unknown' : `$${cost.toFixed(4)}`;
}

/** What was spent, in one phrase: `$0.5300 and 12,000 tokens`. */
export function formatSpend(usage: Usage): string {
  const tokens = tokensOf(usage);
  return `${formatCost(usage.costUsd)} and ${tokens === null ? 'unknown' : tokens.toLocaleString('en-US')} tokens`;
}
