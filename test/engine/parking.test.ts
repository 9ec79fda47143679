import { describe, expect, it } from 'vitest';
import { parseResetTime } from '../../src/agents/reset-time.js';
import { parkDecision, QuotaBook, quotaReset, UNKNOWN_RESET_WAIT_MS } from '../../src/engine/parking.js';
import type { AttemptOutcome } from '../../src/engine/task-attempt.js';

const NOW = Date.UTC(2026, 11, 1, 10, 0, 0);
const failed = (extra: Partial<AttemptOutcome>): AttemptOutcome => ({
  ok: false,
  reason: 'usage limit reached: claude exited with code 1',
  retryable: true,
  timedOut: false,
  canceled: false,
  usage: { inputTokens: null, outputTokens: null, costUsd: null },
  commit: null,
  durationMs: 1,
  ...extra,
});

describe('parking a task on a usage limit', () => {
  it('waits for the reset the agent named, a default when it named none, and not at all for a reset already past', () => {
    expect(quotaReset(failed({ failureKind: 'usage_limit', retryAt: NOW + 60_000 }), NOW)).toBe(NOW + 60_000);
    expect(quotaReset(failed({ failureKind: 'usage_limit' }), NOW)).toBe(NOW + UNKNOWN_RESET_WAIT_MS);
    // Parked until now: the task runs again at once, not as a retry (none may be left).
    expect(quotaReset(failed({ failureKind: 'usage_limit', retryAt: NOW - 1000 }), NOW)).toBe(NOW);
    // A rate limit parks only when its reset is further than the engine's own backoff.
    expect(quotaReset(failed({ failureKind: 'rate_limit', retryAt: NOW + 10_000 }), NOW)).toBeNull();
    expect(quotaReset(failed({ failureKind: 'rate_limit', retryAt: NOW + 600_000 }), NOW)).toBe(
      NOW + 600_000,
    );
    expect(quotaReset(failed({ failureKind: 'auth' }), NOW)).toBeNull();
    expect(quotaReset(failed({ failureKind: 'usage_limit', canceled: true }), NOW)).toBeNull();
  });

  it('gives up past --max-wait, counted from the first park, saying when the quota opens', () => {
    const base = { agent: 'claude', reason: 'usage limit reached', parkedSince: NOW, maxWaitMs: 3_600_000 };
    expect(parkDecision({ ...base, until: NOW + 3_600_000 })).toEqual({ park: true, until: NOW + 3_600_000 });
    expect(parkDecision({ ...base, until: NOW + 3_600_001 })).toEqual({
      park: false,
      reason:
        "usage limit reached; claude's quota opens at 2026-12-01T11:00:00.001Z, later than --max-wait 1h allows",
    });
  });

  it('sends a starting task to the first agent of its chain that still has quota', () => {
    const book = new QuotaBook();
    book.exhaust('claude', NOW + 1000);
    expect(book.firstOpen(['claude', 'codex'], NOW)).toBe(1);
    expect(book.firstOpen(['claude'], NOW)).toBe(0);
    expect(book.firstOpen(['claude', 'codex'], NOW + 1000)).toBe(0);
  });
});

describe('parseResetTime', () => {
  it('reads the forms the agents print', () => {
    expect(parseResetTime('Claude AI usage limit reached|1764583200', NOW)).toBe(1764583200 * 1000);
    expect(parseResetTime("You've hit your usage limit. Try again in 2 hours 5 minutes.", NOW)).toBe(
      NOW + 2 * 3_600_000 + 5 * 60_000,
    );
    expect(parseResetTime('Quota exceeded. Please retry in 43.5s.', NOW)).toBe(NOW + 43_500);
    const at = parseResetTime('5-hour limit reached ∙ resets 3pm', NOW)!;
    expect(new Date(at).getHours()).toBe(15);
    expect(at).toBeGreaterThan(NOW);
    expect(parseResetTime('rate limited', NOW)).toBeUndefined();
  });
});
