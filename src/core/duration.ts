import type { Estimate } from './types.js';

const UNIT_MINUTES: Record<string, number> = { s: 1 / 60, m: 1, h: 60, d: 8 * 60, w: 5 * 8 * 60 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;

/**
 * Parses `90m`, `2h`, `1.5d` into minutes. A day is a working day (8 h), a week 5 days, as in
 * estimates; `null` when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (!match) return null;
  return Number(match[1]) * UNIT_MINUTES[match[2]!]!;
}

/**
 * Renders minutes back as plan text, the shortest exact unit (`90m`, `2h`, `1d`): for writing
 * plan files. For showing a duration to a person use {@link formatSpan}.
 */
export function formatDuration(minutes: number): string {
  for (const unit of ['w', 'd', 'h'] as const) {
    const size = UNIT_MINUTES[unit]!;
    if (minutes >= size && Number.isInteger(minutes / size)) return `${minutes / size}${unit}`;
  }
  if (minutes < 1) return `${Math.round(minutes * 60)}s`;
  return `${Math.round(minutes * 100) / 100}m`;
}

/** Three-point PERT expectation: (optimistic + 4 x likely + pessimistic) / 6. */
export function pert(estimate: Estimate): number {
  return (estimate.optimistic + 4 * estimate.likely + estimate.pessimistic) / 6;
}

/** PERT standard deviation: (pessimistic - optimistic) / 6. */
export function pertStdDev(estimate: Estimate): number {
  return (estimate.pessimistic - estimate.optimistic) / 6;
}

/**
 * The one way durations are shown to people (plan, show, metrics, progress lines, errors):
 * at most two units of hours, minutes and seconds, `2h 30m`, `4m 5s`, `12s`, `0.4s`. Never
 * days: a plan's `1d` is a working day of 8h, which `1d` would not say.
 */
export function formatSpan(minutes: number): string {
  return formatSpanMs(minutes * 60_000);
}

/** {@link formatSpan} for milliseconds. */
export function formatSpanMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${Math.round(ms / 100) / 10}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) {
    const rest = seconds % 60;
    return `${Math.floor(seconds / 60)}m${rest ? ` ${rest}s` : ''}`;
  }
  const minutes = Math.round(seconds / 60);
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)}h${rest ? ` ${rest}m` : ''}`;
}

/** `1 task`, `2 tasks`; `plural(3, 'retry', 'retries')`. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}

const AGE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const AGE_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * Parses an age on the calendar (`12h`, `7d`, `2w`) into milliseconds: unlike estimates, a day
 * is 24 hours here. `null` when the text is not one.
 */
export function parseAgeMs(text: string): number | null {
  const match = AGE.exec(text.trim().toLowerCase());
  return match ? Number(match[1]) * AGE_MS[match[2]!]! : null;
}
