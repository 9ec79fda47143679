import type { Usage } from '../core/events.js';

/** A spending limit; `null` fields are unlimited. */
export interface Limit {
  costUsd: number | null;
  tokens: number | null;
}

/** Tokens of a usage record, `null` when neither count is known. */
export function tokensOf(usage: Usage): number | null {
  if (usage.inputTokens === null && usage.outputTokens === null) return null;
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/** Sums usage records; a figure stays `null` (unknown) only when no record knows it. */
export function sumUsage(records: Iterable<Usage>): Usage {
  const total: Usage = { inputTokens: null, outputTokens: null, costUsd: null };
  const add = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
  for (const usage of records) {
    total.inputTokens = add(total.inputTokens, usage.inputTokens);
    total.outputTokens = add(total.outputTokens, usage.outputTokens);
    total.costUsd = add(total.costUsd, usage.costUsd);
  }
  return total;
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

/**
 * Why `usage` is over `limit`, or null. Pure. A cost limit cannot be exceeded by an unknown
 * cost: agents that report none are held to the token limit instead.
 */
export function overLimit(usage: Usage, limit: Limit, what: string): string | null {
  if (limit.costUsd !== null && usage.costUsd !== null && usage.costUsd > limit.costUsd) {
    return `${what} budget exceeded: spent ${formatSpend(usage)}, limit $${limit.costUsd}`;
  }
  const tokens = tokensOf(usage);
  if (limit.tokens !== null && tokens !== null && tokens > limit.tokens) {
    return `${what} budget exceeded: spent ${formatSpend(usage)}, limit ${limit.tokens.toLocaleString('en-US')} tokens`;
  }
  return null;
}
