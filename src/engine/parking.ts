import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttemptOutcome } from './task-attempt.js';

/** `--max-wait` by default: Claude's usage window is five hours. */
export const DEFAULT_MAX_WAIT_MS = 5 * 3_600_000;
/** How long a usage limit without a reset time is waited out before the task tries again. */
export const UNKNOWN_RESET_WAIT_MS = 15 * 60_000;
/** A rate limit whose reset is further away than this parks the task instead of backing off. */
export const LONG_RATE_LIMIT_MS = 30_000;

/**
 * When the agent's quota opens again after this failed attempt, if the failure was a quota
 * that opens later (epoch ms): a usage limit (its reset time, else a default wait), or a rate
 * limit whose reset is further away than the engine's own backoff. `null` for any other failure.
 * Pure.
 */
export function quotaReset(outcome: AttemptOutcome, now: number): number | null {
  if (outcome.ok || outcome.canceled) return null;
  if (outcome.failureKind === 'usage_limit') {
    // A reset already past when the failure is read (a queue worker's result can arrive late on a
    // busy machine) is a wait of nothing: the task runs again at once, as after any park, and
    // not as a retry (a plan without retries would fail the task for a limit that is over).
    if (outcome.retryAt !== undefined) return Math.max(outcome.retryAt, now);
    return now + UNKNOWN_RESET_WAIT_MS;
  }
  if (
    outcome.failureKind === 'rate_limit' &&
    outcome.retryAt !== undefined &&
    outcome.retryAt - now > LONG_RATE_LIMIT_MS
  ) {
    return outcome.retryAt;
  }
  return null;
}

/** What to do with a task whose agent is out of quota until `until`. */
export type ParkDecision = { park: true; until: number } | { park: false; reason: string };

/**
 * Park the task until the reset, unless that is later than `maxWaitMs` after it was first
 * parked: then it fails, saying when the quota would have opened. Pure.
 */
export function parkDecision(input: {
  agent: string;
  reason: string;
  until: number;
  parkedSince: number;
  maxWaitMs: number;
}): ParkDecision {
  if (input.until - input.parkedSince <= input.maxWaitMs) return { park: true, until: input.until };
  return {
    park: false,
    reason: `${input.reason}; ${input.agent}'s quota opens at ${new Date(input.until).toISOString()}, later than --max-wait ${formatWait(input.maxWaitMs)} allows`,
  };
}

/**
 * Which agents are out of quota, and until when. A task about to start skips to the first
 * agent of its chain (its own, then the configured fallbacks) that still has quota.
 */
export class QuotaBook {
  private readonly until = new Map<string, number>();

  exhaust(agent: string, until: number): void {
    this.until.set(agent, Math.max(until, this.until.get(agent) ?? 0));
  }

  /** When `agent`'s quota opens again, if it is out now. */
  closedUntil(agent: string, now: number): number | null {
    const until = this.until.get(agent);
    return until !== undefined && until > now ? until : null;
  }

  /** The index of the first agent with quota, or 0 when all are out (the task then parks itself). */
  firstOpen(agents: string[], now: number): number {
    const index = agents.findIndex((agent) => this.closedUntil(agent, now) === null);
    return index === -1 ? 0 : index;
  }
}

/**
 * A file of milliseconds added to the wall clock of usage-limit windows (`MILESTONE_TEST_CLOCK_SKEW_FILE`),
 * for tests only: a test parks a task for an hour and then moves this clock past the reset,
 * instead of racing a short real window. Unset (always, outside tests), the wall clock.
 */
const CLOCK_SKEW_FILE = process.env.MILESTONE_TEST_CLOCK_SKEW_FILE;

/** Now (epoch ms) for usage-limit windows: the wall clock (see {@link CLOCK_SKEW_FILE}). */
export function windowNow(): number {
  if (!CLOCK_SKEW_FILE) return Date.now();
  let skew = 0;
  try {
    skew = Number(readFileSync(CLOCK_SKEW_FILE, 'utf8')) || 0;
  } catch {
    // No file yet: no skew.
  }
  return Date.now() + skew;
}

/** Waits until `until` (epoch ms, {@link windowNow}'s clock), or until `signal` aborts. */
export async function sleepUntil(until: number, signal: AbortSignal): Promise<void> {
  if (!CLOCK_SKEW_FILE) {
    await sleep(Math.max(0, until - Date.now()), undefined, { signal }).catch(() => undefined);
    return;
  }
  // A test's clock may jump: look again every 100 ms.
  while (!signal.aborted && windowNow() < until)
    await sleep(Math.min(100, until - windowNow()), undefined, { signal }).catch(() => undefined);
}

/** `5h`, `90m`, `45s`: the wait as a person would write it. */
export function formatWait(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
