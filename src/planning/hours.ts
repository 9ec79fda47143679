/**
 * Minutes as people read plans: `45m`, `2.5h`, `130h`. Working hours rather than core's
 * `formatDuration` days (`1d` reads as 24 h in a risk message) or exact minutes (`2530.5m`).
 */
export function formatHours(minutes: number): string {
  if (minutes < 60) return `${Math.round(minutes)}m`;
  const hours = minutes / 60;
  return `${hours >= 100 ? Math.round(hours) : Math.round(hours * 10) / 10}h`;
}
