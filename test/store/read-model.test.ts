import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MilestoneEvent } from '../../src/core/events.js';
import { headerOf, taskRowsOf } from '../../src/core/milestone-header.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore, STORE_FILE, type Store } from '../../src/store/store.js';
import { plannedEvent, samplePlan, sampleRun } from './fixtures/sample-plan.js';
import { storeDir, withStore } from './fixtures/store-dir.js';

const RUN: MilestoneEvent[] = [
  ...sampleRun(),
  { type: 'task_status', taskId: 'impl', status: 'conflicted', attempt: 1, reason: 'src/a.ts' },
];

/** What `status` reads must be exactly what the whole state says. */
function expectRowsMatchState(store: Store, id: string): void {
  const state = store.state(id)!;
  expect(store.statusRows(id)).toEqual({ header: headerOf(state), tasks: taskRowsOf(state) });
  expect(store.header(id)).toEqual(headerOf(state));
}

describe('the read model (what status and list read)', () => {
  it('stays equal to the folded state after every append, one event or several at once', () => {
    withStore(storeDir(), (store) => {
      store.append('add-login', [plannedEvent()]);
      expectRowsMatchState(store, 'add-login');
      for (const event of RUN.slice(0, 5)) {
        store.append('add-login', [event]);
        expectRowsMatchState(store, 'add-login');
      }
      store.append('add-login', RUN.slice(5));
      expectRowsMatchState(store, 'add-login');
      const { header, tasks } = store.statusRows('add-login')!;
      expect(header).toMatchObject({ status: 'executing', taskCount: 2, landedCount: 1, commitCount: 2 });
      expect(header.progress.phases.design).toBe(100);
      expect(tasks.map((t) => [t.id, t.status, t.phase])).toEqual([
        ['api', 'succeeded', 'design'],
        ['impl', 'conflicted', 'execute'],
      ]);
    });
  });

  it("stays equal while another process appends between this writer's appends", () => {
    const dir = storeDir();
    withStore(dir, (writer) => {
      writer.append('add-login', [plannedEvent(), RUN[0]!, RUN[1]!]);
      withStore(dir, (other) => other.append('add-login', RUN.slice(2, 6)));
      // The writer's next append must see the other's landing of `api` in its progress.
      writer.append('add-login', [RUN[6]!]);
      expectRowsMatchState(writer, 'add-login');
      expect(writer.header('add-login')).toMatchObject({
        landedCount: 1,
        progress: { phases: { design: 100 } },
      });
      writer.append('add-login', RUN.slice(7));
      expectRowsMatchState(writer, 'add-login');
    });
  });

  it('an append that fails half way leaves the state and rows as stored (nothing folded twice)', () => {
    withStore(storeDir(), (store) => {
      store.append('add-login', [plannedEvent(), ...RUN.slice(0, 3)]);
      const broken = { type: 'outcome', step: 'x', ok: true, detail: { n: 1n } } as unknown as MilestoneEvent;
      // The first events fold in place before the third cannot be stored: the whole append rolls back.
      expect(() => store.append('add-login', [...RUN.slice(3, 6), broken])).toThrow();
      expect(store.version('add-login')).toBe(4);
      expect(store.state('add-login')!.tasks.api).toMatchObject({ status: 'running', merged: false });
      expectRowsMatchState(store, 'add-login');
      store.append('add-login', RUN.slice(3, 6));
      expect(store.state('add-login')!.tasks.api).toMatchObject({ status: 'succeeded', merged: true });
      expect(store.state('add-login')!.commits).toEqual(['a'.repeat(40)]);
      expectRowsMatchState(store, 'add-login');
    });
  });

  it('a replaced plan with fewer tasks leaves no rows of the old one', () => {
    withStore(storeDir(), (store) => {
      store.append('add-login', [plannedEvent(), ...RUN]);
      const shorter = { ...samplePlan(), tasks: samplePlan().tasks.slice(0, 1) };
      store.append('add-login', [
        {
          type: 'milestone_planned',
          plan: shorter,
          base: 'main',
          branch: 'milestone/add-login',
          replaced: true,
        },
      ]);
      expect(store.statusRows('add-login')!.tasks.map((t) => t.id)).toEqual(['api']);
      expectRowsMatchState(store, 'add-login');
    });
  });

  it('lists headers oldest first and forgets a removed milestone', () => {
    withStore(storeDir(), (store) => {
      store.append('zeta', [plannedEvent('zeta')]);
      store.append('alpha', [plannedEvent('alpha')]);
      expect(store.headers().map((h) => h.id)).toEqual(store.list().map((s) => s.id));
      store.forget('zeta');
      expect(store.headers().map((h) => h.id)).toEqual(['alpha']);
      expect(store.statusRows('zeta')).toBeUndefined();
    });
  });

  it('a store of the previous schema gets its rows on the first writable open', () => {
    const dir = storeDir();
    withStore(dir, (store) => store.append('add-login', [plannedEvent(), ...RUN]));
    // Back to schema 1: no read tables, as a store written before them.
    const db = new Database(join(dir, STORE_FILE));
    db.exec('DROP TABLE milestone_views; DROP TABLE task_views; PRAGMA user_version = 1');
    db.close();
    expect(() => openStore(dir, { readonly: true })).toThrow(/open it for writing once/);
    withStore(dir, (store) => expectRowsMatchState(store, 'add-login'));
    withStore(dir, (reader) => expectRowsMatchState(reader, 'add-login'), { readonly: true });
    const check = new Database(join(dir, STORE_FILE), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('a reader never trusts rows of other projection code: it folds the events instead', () => {
    const dir = storeDir();
    withStore(dir, (store) => store.append('add-login', [plannedEvent(), ...RUN]));
    const db = new Database(join(dir, STORE_FILE));
    db.exec(
      `UPDATE projections SET projection_version = 0; UPDATE milestone_views SET header = '{"stale":true}'`,
    );
    db.close();
    withStore(
      dir,
      (reader) => {
        expectRowsMatchState(reader, 'add-login');
        expect(reader.headers().map((h) => h.status)).toEqual(['executing']);
      },
      { readonly: true },
    );
  });
});
