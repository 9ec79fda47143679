import type { MilestoneState } from '../core/projection.js';
import { UsageError } from '../errors.js';
import type { Store } from '../store/store.js';
import { checkMilestoneId } from './workspace.js';

const ACTIVE = new Set(['planned', 'executing', 'paused']);

/**
 * The milestone a command is about: the one named, else the only active one (or the only one). Refuses with the
 * list of candidates when that is ambiguous.
 */
export function resolveMilestone(store: Store, id: string | undefined): MilestoneState {
  const resolved = resolveMilestoneId(store, id);
  const state = store.state(resolved);
  // Removed (`milestone rm`) between the two reads.
  if (!state) throw new UsageError('MILESTONE_UNKNOWN', `no milestone "${resolved}" (it was removed)`);
  return state;
}

/**
 * The id {@link resolveMilestone} would pick, read from the milestones' headers only (no plan
 * is parsed): what `status` needs before it reads one milestone's rows.
 */
export function resolveMilestoneId(store: Store, id: string | undefined): string {
  if (id !== undefined) {
    checkMilestoneId(id);
    if (store.header(id)) return id;
    const known = store.headers().map((m) => m.id);
    throw new UsageError(
      'MILESTONE_UNKNOWN',
      `no milestone "${id}"${known.length ? ` (known: ${known.join(', ')})` : ' (none planned yet: milestone plan --from FILE)'}`,
    );
  }
  const all = store.headers();
  const active = all.filter((m) => ACTIVE.has(m.status));
  if (active.length === 1) return active[0]!.id;
  if (active.length === 0 && all.length === 1) return all[0]!.id;
  if (active.length === 0) {
    throw new UsageError(
      'MILESTONE_NONE_ACTIVE',
      all.length
        ? `no active milestone; name one of: ${all.map((m) => m.id).join(', ')}`
        : 'no milestone planned yet (milestone plan --from FILE)',
    );
  }
  throw new UsageError(
    'MILESTONE_AMBIGUOUS',
    `several milestones are active; name one of: ${active.map((m) => m.id).join(', ')}`,
  );
}
