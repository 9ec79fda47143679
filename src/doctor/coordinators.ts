import { hostname } from 'node:os';
import type { LeaseClaimant, LeaseHolder } from '../store/lease.js';
import { isLeaseStale } from '../store/lease.js';
import { isPidAlive } from '../store/pid-alive.js';
import type { Store } from '../store/store.js';
import type { Finding } from './finding.js';

/** As long as `execute` waits before it takes a silent coordinator's lease over. */
const STALE_AFTER_MS = 15_000;

/**
 * Leases whose holder is gone (`fixable`: `--fix` releases them) and milestones still marked
 * executing whose coordinator is gone (`person`: resume or cancel is someone's decision).
 * With `fix`, stale leases are released and reported `fixed`.
 */
export function checkCoordinators(store: Store, fix: boolean, now = new Date()): Finding[] {
  const me: LeaseClaimant = { pid: process.pid, host: hostname() };
  const check = { now, staleAfterMs: STALE_AFTER_MS, isAlive: isPidAlive };
  const findings: Finding[] = [];
  for (const state of store.list()) {
    const holder = store.lease(state.id);
    const stale = holder !== undefined && isLeaseStale(holder, me, check);
    if (holder && stale) {
      const message = `${state.id}: the lease of pid ${holder.pid} on ${holder.host} is stale (${why(holder, me)})`;
      if (fix) {
        store.releaseLease(state.id, holder);
        findings.push({ check: 'leases', status: 'fixed', message, action: 'released the lease' });
      } else {
        findings.push({
          check: 'leases',
          status: 'fixable',
          message,
          action: '`milestone doctor --fix` releases it',
        });
      }
    } else if (holder) {
      findings.push({
        check: 'leases',
        status: 'ok',
        message: `${state.id}: held by a live coordinator, pid ${holder.pid} on ${holder.host}`,
      });
    }
    if (state.status === 'executing' && (!holder || stale)) {
      findings.push({
        check: 'coordinators',
        status: 'person',
        message: `${state.id} is executing but no coordinator runs it${holder ? ` (pid ${holder.pid} is gone)` : ''}`,
        action: `\`milestone execute ${state.id}\` resumes it; \`milestone cancel ${state.id}\` stops it`,
      });
    }
  }
  if (!findings.some((f) => f.check === 'leases'))
    findings.push({ check: 'leases', status: 'ok', message: 'no coordinator leases held' });
  if (!findings.some((f) => f.check === 'coordinators'))
    findings.push({
      check: 'coordinators',
      status: 'ok',
      message: 'no executing milestone without its coordinator',
    });
  return findings;
}

function why(holder: LeaseHolder, me: LeaseClaimant): string {
  if (holder.host === me.host && !isPidAlive(holder.pid)) return 'its process is gone';
  return `no heartbeat since ${holder.heartbeatAt}`;
}
