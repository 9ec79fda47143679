import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MilestoneEvent } from '../../src/core/events.js';
import { INTEGRATION_STATUS_STEPS, integrationStatus } from '../../src/report/integration-status.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore, STORE_FILE } from '../../src/store/store.js';
import { tempDir } from '../helpers/git-repo.js';
import { plannedEvent } from './fixtures/sample-plan.js';

function busyLog(): MilestoneEvent[] {
  const events: MilestoneEvent[] = [plannedEvent()];
  for (let i = 0; i < 400; i++) {
    events.push(
      { type: 'task_status', taskId: 'api', status: 'running', attempt: 1 },
      { type: 'intent', step: 'merge', taskId: 'api' },
      { type: 'outcome', step: 'merge', taskId: 'api', ok: true },
    );
    if (i % 100 === 0) {
      events.push(
        { type: 'intent', step: 'integration_check', detail: { commit: `c${i}` } },
        { type: 'outcome', step: 'integration_check', ok: i !== 300, detail: { commit: `c${i}` } },
      );
    }
  }
  return events;
}

describe('events by step (what status reads of the log)', () => {
  it('returns exactly the log filtered to those steps (INDEXED BY: no index, no query)', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    const store = openStore(dir);
    try {
      store.append('add-login', busyLog());
      const all = store.events('add-login');
      const wanted = new Set<string>(INTEGRATION_STATUS_STEPS);
      const byStep = store.events('add-login', { steps: INTEGRATION_STATUS_STEPS });
      expect(byStep).toEqual(all.filter((e) => 'step' in e && wanted.has(e.step)));
      expect(byStep).toHaveLength(8);
      expect(integrationStatus(byStep)).toEqual(integrationStatus(all));
      expect(integrationStatus(byStep)).toMatchObject({ state: 'red', checks: 4 });
      expect(
        store.events('add-login', { types: ['outcome'], steps: ['merge'], afterSeq: all.length - 3 }),
      ).toEqual(all.slice(-1));
    } finally {
      store.close();
    }
  });

  it('a store of schema 2 gets the index at its first writable open', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    const store = openStore(dir);
    store.append('add-login', busyLog());
    store.close();
    const db = new Database(join(dir, STORE_FILE));
    db.exec('DROP INDEX events_step; PRAGMA user_version = 2');
    db.close();
    expect(() => openStore(dir, { readonly: true })).toThrow(/open it for writing once/);
    openStore(dir).close();
    const reader = openStore(dir, { readonly: true });
    try {
      expect(reader.events('add-login', { steps: ['integration_check'] })).toHaveLength(8);
    } finally {
      reader.close();
    }
    const check = new Database(join(dir, STORE_FILE), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});
