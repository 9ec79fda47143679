import { hostname } from 'node:os';
import type { CoordinatorFacts } from '../report/status-view.js';
import { isPidAlive } from '../store/pid-alive.js';
import type { Store } from '../store/store.js';

/** Who holds a milestone's lease and whether that process still lives (known on this host only). */
export function coordinatorFacts(store: Store, id: string): CoordinatorFacts {
  const holder = store.lease(id);
  if (!holder) return null;
  const alive = holder.host === hostname() ? isPidAlive(holder.pid) : null;
  return { pid: holder.pid, host: holder.host, alive, heartbeatAt: holder.heartbeatAt };
}
