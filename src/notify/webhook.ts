import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a delivery ended; failures are values (a webhook never fails the run). */
export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, or null when no response came. */
  status: number | null;
  /** Why it failed, one line without the URL (it may hold a token). */
  error: string | null;
}

/** Options of {@link postWebhook}. */
export interface WebhookOptions {
  /** Tries in all (first + retries). */
  attempts?: number;
  /** First backoff; doubles each retry. */
  baseDelayMs?: number;
  /** Per-request time limit. */
  timeoutMs?: number;
  /** Stops retrying (the run is ending and will not wait longer). */
  signal?: AbortSignal;
}

/** 5xx, 408 and 429 may pass later; other 4xx will not. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs `body` as JSON, retrying network errors, timeouts and retryable statuses with doubling
 * backoff. Every try carries the same `X-Milestone-Delivery` id (receivers can drop repeats)
 * and its number in `X-Milestone-Attempt`. Never throws.
 */
export async function postWebhook(
  url: string,
  body: unknown,
  options: WebhookOptions = {},
): Promise<DeliveryResult> {
  const attempts = options.attempts ?? 4;
  const delivery = randomUUID();
  const payload = JSON.stringify(body);
  let status: number | null = null;
  let error: string | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted)
      return { ok: false, attempts: attempt - 1, status, error: 'gave up: the run ended' };
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'milestone-notify',
          'x-milestone-delivery': delivery,
          'x-milestone-attempt': String(attempt),
        },
        body: payload,
        redirect: 'error',
        signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true, attempts: attempt, status, error: null };
      error = `HTTP ${status}`;
      if (!retryable(status)) return { ok: false, attempts: attempt, status, error };
    } catch (cause) {
      status = null;
      error = timeout.aborted ? 'timed out' : cause instanceof Error ? cause.name : 'request failed';
    }
    if (attempt < attempts)
      await sleep((options.baseDelayMs ?? 500) * 2 ** (attempt - 1), undefined, {
        ...(options.signal && { signal: options.signal }),
      }).catch(() => undefined);
  }
  return { ok: false, attempts, status, error };
}
