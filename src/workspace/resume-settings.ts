import type { ConcurrencyChoice } from '../decision/resources.js';
import type { Store } from '../store/store.js';

/**
 * The concurrency the last run of a milestone used, from its `mode_selected` (or first
 * `mode_transition`) event; `null` when no run recorded one.
 */
export function previousConcurrency(store: Store, id: string): number | null {
  const events = store.events(id, { types: ['mode_selected', 'mode_transition'] });
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if ((event.type === 'mode_selected' || event.type === 'mode_transition') && event.concurrency)
      return event.concurrency;
  }
  return null;
}

/**
 * A resume keeps the interrupted run's concurrency unless `--concurrency` is given again: a
 * person who asked for 1 (a rate-limited agent, a small machine) must not get 8 after a crash.
 * `null` when this is no resume, or nothing was recorded: choose as for a first run.
 */
export function resumedConcurrency(
  store: Store,
  id: string,
  options: { resuming: boolean; flag: number | undefined },
): ConcurrencyChoice | null {
  if (!options.resuming || options.flag !== undefined) return null;
  const previous = previousConcurrency(store, id);
  if (previous === null) return null;
  return {
    concurrency: previous,
    source: 'previous',
    explanation: `${previous} (as the previous run; --concurrency changes it)`,
  };
}
