import type { Usage } from '../core/events.js';
import { formatSpend, tokensOf } from '../core/usage.js';

export { formatSpend, sumUsage } from '../core/usage.js';

/** A spending limit; `null` fields are unlimited. */
export interface Limit {
  costUsd: number | null;
  tokens: number | null;
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
