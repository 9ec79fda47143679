import { formatSpan } from '../core/duration.js';

/**
 * Minutes as people read plans: the one display format of `formatSpan` (`45m`, `2h 30m`,
 * `130h`), never days (a plan's `1d` is a working day, which `1d` would not say).
 */
export function formatHours(minutes: number): string {
  return formatSpan(minutes);
}
