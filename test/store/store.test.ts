import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MilestoneEvent, StoredEvent } from '../../src/core/events.js';
import { project } from '../../src/core/projection.js';
import { ExitError, InternalError } from '../../src/errors.js';
import { TRUSTED_JSON_LENGTH } from '../../src/store/event-log.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { StaleVersionError } from '../../src/store/stale-version-error.js';
import { openStore, STORE_FILE } from '../../src/store/store.js';
import { plannedEvent, samplePlan, sampleRun } from './fixtures/sample-plan.js';
import { storeDir, withStore } from './fixtures/store-dir.js';

/** A clock that advances one second per reading, so every append gets its own time. */
function tickingClock(start = Date.parse('2025-01-01T00:00:00Z')): () => Date {
  let now = start;
  return () => {
    now += 1000;
    return new Date(now);
  };
}

const RUN: MilestoneEvent[] = [
  ...sampleRun('two phases, parallel score 0.8'),
  { type: 'intent', step: 'merge', taskId: 'impl', detail: { base: 'b'.repeat(40) } },
];

describe('openStore', () => {
  it('creates the directory 0700, the database 0600, and ignores itself in git', () => {
    const dir = storeDir();
    withStore(dir, (store) => {
      store.append('add-login', [plannedEvent()]);
      expect(store.path).toBe(join(dir, STORE_FILE));
    });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dir).filter((name) => name.startsWith(STORE_FILE))) {
      expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    }
    expect(statSync(join(dir, '.gitignore')).isFile()).toBe(true);
  });

  it('tightens a store directory and database that are readable by others', () => {
    const dir = storeDir();
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, STORE_FILE), '', { mode: 0o644 });
    withStore(dir, () => undefined);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, STORE_FILE)).mode & 0o777).toBe(0o600);
  });

  it('migrates once: opening again keeps the schema version and the data', () => {
    const dir = storeDir();
    withStore(dir, (store) => store.append('add-login', [plannedEvent(), ...RUN]));
    withStore(dir, (store) => {
      expect(store.version('add-login')).toBe(RUN.length + 1);
      store.append('add-login', [{ type: 'milestone_status', status: 'paused' }]);
    });
    withStore(dir, (store) => {
      expect(store.state('add-login')?.status).toBe('paused');
      expect(store.events('add-login')).toHaveLength(RUN.length + 2);
    });
    const db = new Database(join(dir, STORE_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('names the file and chains the cause when the database is corrupt', () => {
    const dir = storeDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, STORE_FILE), 'this is not a database, just some text '.repeat(100));
    const error = captureError(() => openStore(dir));
    expect(error).toBeInstanceOf(ExitError);
    expect(error).toMatchObject({ code: 'MILESTONE_STORE_UNREADABLE' });
    expect((error as Error).message).toContain(join(dir, STORE_FILE));
    expect((error as Error).cause).toMatchObject({ code: 'SQLITE_NOTADB' });
  });

  it('refuses a store written by a newer schema', () => {
    const dir = storeDir();
    withStore(dir, () => undefined);
    const db = new Database(join(dir, STORE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openStore(dir)).toThrow(expect.objectContaining({ code: 'MILESTONE_STORE_NEWER' }));
    expect(() => openStore(dir, { readonly: true })).toThrow(
      expect.objectContaining({ code: 'MILESTONE_STORE_NEWER' }),
    );
  });

  it('opens read-only without creating anything, and refuses writes', () => {
    const dir = storeDir();
    expect(() => openStore(dir, { readonly: true })).toThrow(
      expect.objectContaining({ code: 'MILESTONE_STORE_MISSING' }),
    );
    expect(existsSync(dir)).toBe(false);
    withStore(dir, (store) => store.append('add-login', [plannedEvent()]));
    withStore(
      dir,
      (reader) => {
        expect(reader.state('add-login')?.title).toBe('Milestone add-login');
        expect(() => reader.append('add-login', RUN)).toThrow(/readonly/);
      },
      { readonly: true },
    );
  });
});

describe('the event log', () => {
  it('assigns gap-free seq per milestone, stamps events with the clock and reads them back', () => {
    withStore(
      storeDir(),
      (store) => {
        const first = store.append('add-login', [plannedEvent()]);
        const other = store.append('other', [plannedEvent('other')]);
        const rest = store.append('add-login', RUN);
        expect(first.map((event) => event.seq)).toEqual([1]);
        expect(other.map((event) => event.seq)).toEqual([1]);
        expect(rest.map((event) => event.seq)).toEqual(RUN.map((_, index) => index + 2));
        expect(first[0]).toMatchObject({ milestoneId: 'add-login', at: '2025-01-01T00:00:01.000Z' });
        // One append is one instant.
        expect(new Set(rest.map((event) => event.at))).toEqual(new Set(['2025-01-01T00:00:03.000Z']));
        expect(store.events('add-login')).toEqual([...first, ...rest]);
        expect(store.version('add-login')).toBe(RUN.length + 1);
        expect(store.version('other')).toBe(1);
      },
      { clock: tickingClock() },
    );
  });

  it('stores a plan event too big for the JSON check (TRUSTED_JSON_LENGTH) as any other, and goes on appending', () => {
    const plan = samplePlan('big');
    const task = plan.tasks[1]!;
    plan.tasks = [
      plan.tasks[0]!,
      ...Array.from({ length: 800 }, (_, i) => ({ ...task, id: `t${i}`, title: `${'x'.repeat(150)} ${i}` })),
    ];
    const big: MilestoneEvent = { type: 'milestone_planned', plan, base: 'main', branch: 'milestone/big' };
    expect(JSON.stringify(big).length).toBeGreaterThan(TRUSTED_JSON_LENGTH);
    const dir = storeDir();
    withStore(dir, (store) => {
      const [stored] = store.append('big', [big]);
      store.append('big', RUN.slice(0, 2));
      expect(store.events('big')[0]).toEqual(stored);
      expect(store.state('big')?.plan.tasks).toHaveLength(801);
      expect(store.state('big')?.status).toBe('executing');
    });
    // The table still refuses what is not JSON.
    const db = new Database(join(dir, STORE_FILE));
    try {
      expect(() =>
        db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?)').run('big', 9, 'x', 'now', '{not json'),
      ).toThrow(/CHECK constraint failed/);
    } finally {
      db.close();
    }
  });

  it('filters by seq and by type', () => {
    withStore(storeDir(), (store) => {
      store.append('add-login', [plannedEvent(), ...RUN]);
      expect(store.events('add-login', { afterSeq: RUN.length }).map((event) => event.seq)).toEqual([
        RUN.length + 1,
      ]);
      const statuses = store.events('add-login', { types: ['task_status', 'task_merged'] });
      expect(statuses.map((event) => event.type)).toEqual(['task_status', 'task_status', 'task_merged']);
      expect(
        store.events('add-login', { afterSeq: 4, types: ['task_status'] }).map((event) => event.seq),
      ).toEqual([6]);
    });
  });

  it('knows nothing of a milestone never written', () => {
    withStore(storeDir(), (store) => {
      expect(store.version('nope')).toBe(0);
      expect(store.events('nope')).toEqual([]);
      expect(store.state('nope')).toBeUndefined();
      expect(store.list()).toEqual([]);
    });
  });

  it('stores its own seq and time even when handed an already stored event', () => {
    withStore(storeDir(), (store) => {
      const [planned] = store.append('add-login', [plannedEvent()]);
      // A StoredEvent is a MilestoneEvent with extra fields, as state import would hand it over.
      const resent: StoredEvent = Object.assign(structuredClone(planned!), { seq: 99, at: 'yesterday' });
      const [copy] = store.append('add-login', [resent]);
      expect(copy?.seq).toBe(2);
      expect(store.events('add-login')[1]).toEqual(copy);
      expect(copy?.at).not.toBe('yesterday');
    });
  });

  it('refuses an event for another milestone and an event without a type, writing nothing', () => {
    withStore(storeDir(), (store) => {
      expect(() => store.append('add-login', [plannedEvent('other')])).toThrow(InternalError);
      expect(() => store.append('add-login', [{} as MilestoneEvent])).toThrow(InternalError);
      expect(store.version('add-login')).toBe(0);
    });
  });
});

describe('expectVersion', () => {
  it('appends when the version matches and refuses, writing nothing, when it moved on', () => {
    withStore(storeDir(), (store) => {
      store.append('add-login', [plannedEvent()], { expectVersion: 0 });
      store.append('add-login', [RUN[0]!], { expectVersion: 1 });
      const error = captureError(() => store.append('add-login', RUN.slice(1), { expectVersion: 1 }));
      expect(error).toBeInstanceOf(StaleVersionError);
      expect(error).toMatchObject({
        code: 'MILESTONE_STALE_VERSION',
        expected: 1,
        actual: 2,
        retryable: true,
      });
      expect(store.version('add-login')).toBe(2);
      expect(() => store.append('add-login', [], { expectVersion: 5 })).toThrow(StaleVersionError);
    });
  });
});

describe('projections', () => {
  it('caches exactly the fold of the events, and a rebuild gives the same state', () => {
    withStore(
      storeDir(),
      (store) => {
        store.append('add-login', [plannedEvent()]);
        for (const event of RUN) store.append('add-login', [event]);
        const cached = store.state('add-login');
        expect(cached).toEqual(project(store.events('add-login')));
        expect(cached).toMatchObject({ status: 'executing', mode: 'agents', version: RUN.length + 1 });
        expect(cached?.tasks.api).toMatchObject({ status: 'succeeded', merged: true, attempts: 1 });
        expect(store.rebuildProjections()).toBe(1);
        expect(store.state('add-login')).toEqual(cached);
      },
      { clock: tickingClock() },
    );
  });

  it('folds again a projection cached by other projection code', () => {
    const dir = storeDir();
    withStore(dir, (store) => store.append('add-login', [plannedEvent(), ...RUN]));
    const db = new Database(join(dir, STORE_FILE));
    db.prepare('UPDATE projections SET projection_version = 0, state = \'{"stale":true}\'').run();
    db.close();
    withStore(
      dir,
      (reader) => expect(reader.state('add-login')).toEqual(project(reader.events('add-login'))),
      {
        readonly: true,
      },
    );
    withStore(dir, (store) => {
      expect(store.state('add-login')).toEqual(project(store.events('add-login')));
      store.append('add-login', [{ type: 'milestone_status', status: 'paused' }]);
      expect(store.state('add-login')).toEqual(project(store.events('add-login')));
    });
  });

  it('lists planned milestones oldest first', () => {
    withStore(
      storeDir(),
      (store) => {
        store.append('zeta', [plannedEvent('zeta')]);
        store.append('alpha', [plannedEvent('alpha')]);
        store.append('orphan', [{ type: 'milestone_status', status: 'executing' }]);
        store.append('zeta', RUN);
        expect(store.list().map((state) => state.id)).toEqual(['zeta', 'alpha']);
      },
      { clock: tickingClock() },
    );
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
