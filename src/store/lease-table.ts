import type { Database } from 'better-sqlite3';
import {
  isLeaseStale,
  isSameHolder,
  type LeaseCheck,
  type LeaseClaimant,
  type LeaseHolder,
  type LeaseResult,
} from './lease.js';

/** The coordinator leases over one open database: one row per milestone. */
export interface LeaseTable {
  acquireLease(milestoneId: string, me: LeaseClaimant, check: LeaseCheck): LeaseResult;
  heartbeat(milestoneId: string, me: LeaseClaimant, now: Date): boolean;
  releaseLease(milestoneId: string, me: LeaseClaimant): void;
  lease(milestoneId: string): LeaseHolder | undefined;
}

interface LeaseRow {
  pid: number;
  host: string;
  started_at: string;
  heartbeat_at: string;
}

/** Builds the lease statements on `db` (already migrated). */
export function createLeaseTable(db: Database): LeaseTable {
  const select = db.prepare<[string], LeaseRow>(
    'SELECT pid, host, started_at, heartbeat_at FROM leases WHERE milestone_id = ?',
  );
  const put = db.prepare<[string, number, string, string, string]>(
    'INSERT OR REPLACE INTO leases (milestone_id, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)',
  );
  const beat = db.prepare<[string, string, number, string]>(
    'UPDATE leases SET heartbeat_at = ? WHERE milestone_id = ? AND pid = ? AND host = ?',
  );
  const remove = db.prepare<[string, number, string]>(
    'DELETE FROM leases WHERE milestone_id = ? AND pid = ? AND host = ?',
  );

  const read = (milestoneId: string): LeaseHolder | undefined => {
    const row = select.get(milestoneId);
    return row && { pid: row.pid, host: row.host, startedAt: row.started_at, heartbeatAt: row.heartbeat_at };
  };

  // Read and write in one IMMEDIATE transaction: two claimants cannot both see the lease free.
  const acquire = db.transaction((milestoneId: string, me: LeaseClaimant, check: LeaseCheck): LeaseResult => {
    const holder = read(milestoneId);
    const now = check.now.toISOString();
    if (holder && isSameHolder(holder, me)) {
      beat.run(now, milestoneId, me.pid, me.host);
      return { acquired: true };
    }
    if (holder && !isLeaseStale(holder, me, check)) return { acquired: false, holder };
    put.run(milestoneId, me.pid, me.host, now, now);
    return holder ? { acquired: true, tookOverFrom: holder } : { acquired: true };
  });

  return {
    acquireLease: (milestoneId, me, check) => acquire.immediate(milestoneId, me, check),
    // Single statements are their own transaction: the row changes only if we still hold it.
    heartbeat: (milestoneId, me, now) =>
      beat.run(now.toISOString(), milestoneId, me.pid, me.host).changes === 1,
    releaseLease: (milestoneId, me) => {
      remove.run(milestoneId, me.pid, me.host);
    },
    lease: read,
  };
}
