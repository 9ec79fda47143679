import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MilestoneEvent, StoredEvent } from '../../src/core/events.js';
import { applyEvent, type MilestoneState, project } from '../../src/core/projection.js';
import { FOLD_FROM_START } from '../../src/store/event-log.js';
import { STORE_FILE } from '../../src/store/store.js';
import { tempDir } from '../helpers/git-repo.js';
import { plannedEvent } from './fixtures/sample-plan.js';
import { withStore } from './fixtures/store-dir.js';

const RUN: MilestoneEvent[] = [
  { type: 'milestone_status', status: 'executing' },
  { type: 'task_status', taskId: 'api', status: 'running', attempt: 1, agent: 'shell' },
];

interface Row {
  version: number;
  state: string | null;
}

function projectionRow(dir: string, id: string): Row | undefined {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  try {
    return db.prepare<[string], Row>('SELECT version, state FROM projections WHERE milestone_id = ?').get(id);
  } finally {
    db.close();
  }
}

/** What every reader sees of one milestone: its state, the list, the header and task rows. */
function readings(dir: string, id: string) {
  return withStore(
    dir,
    (store) => ({
      state: JSON.parse(JSON.stringify(store.state(id))) as MilestoneState,
      listed: store.list().map((state) => state.id),
      header: store.header(id),
      headers: store.headers().map((header) => header.id),
      tasks: store.statusRows(id)?.tasks ?? [],
    }),
    { readonly: true },
  );
}

/** The fold of a released build's reader (`readState` before this row existed): parse, then apply the tail. */
function oldReaderState(dir: string, id: string, events: StoredEvent[]): MilestoneState | undefined {
  const row = projectionRow(dir, id);
  if (!row || row.state === null) throw new Error('an old list() skips rows without a state');
  let state = JSON.parse(row.state) as MilestoneState | undefined;
  for (const event of events.filter((e) => e.seq > row.version)) state = applyEvent(state, event);
  return state;
}

describe('the projection row of a newly planned milestone', () => {
  it('folds from the start instead of storing the plan again, and every reader sees the same milestone', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    const written = withStore(dir, (store) => {
      store.append('add-login', [plannedEvent()]);
      return JSON.parse(JSON.stringify(store.state('add-login'))) as MilestoneState;
    });
    expect(projectionRow(dir, 'add-login')).toEqual({ version: 0, state: FOLD_FROM_START });

    const events = withStore(dir, (store) => store.events('add-login'), { readonly: true });
    const read = readings(dir, 'add-login');
    expect(read.state).toEqual(written);
    expect(read.state).toEqual(JSON.parse(JSON.stringify(project(events))));
    expect(read.listed).toEqual(['add-login']);
    expect(read.headers).toEqual(['add-login']);
    expect(read.header?.id).toBe('add-login');
    expect(read.tasks.map((row) => row.id)).toEqual(written.plan.tasks.map((task) => task.id));
    // A released build's reader (JSON.parse, then the events after the row) gets the same state.
    expect(JSON.parse(JSON.stringify(oldReaderState(dir, 'add-login', events)))).toEqual(written);
  });

  it('is replaced by the whole state once the milestone moves on (the next writer flushes it)', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    withStore(dir, (store) => store.append('add-login', [plannedEvent()]));
    const after = withStore(dir, (store) => {
      store.append('add-login', RUN);
      return JSON.parse(JSON.stringify(store.state('add-login'))) as MilestoneState;
    });
    const row = projectionRow(dir, 'add-login');
    expect(row?.version).toBe(1 + RUN.length);
    expect(JSON.parse(row?.state ?? 'null')).toEqual(after);
    expect(readings(dir, 'add-login').state).toEqual(after);
  });

  it('keeps storing the whole state when a plan replaces another (no fold-from-start row)', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    withStore(dir, (store) => store.append('add-login', [plannedEvent(), ...RUN]));
    const replacing = { ...plannedEvent(), replaced: true } as MilestoneEvent;
    withStore(dir, (store) => store.append('add-login', [replacing]));
    const row = projectionRow(dir, 'add-login');
    expect(row?.version).toBe(2 + RUN.length);
    expect(row?.state).not.toBe(FOLD_FROM_START);
  });

  it('still reads a store whose row holds the whole planned state (written by an older build)', () => {
    const dir = join(tempDir(), '.milestones', '.local');
    const written = withStore(dir, (store) => {
      store.append('add-login', [plannedEvent()]);
      return JSON.parse(JSON.stringify(store.state('add-login'))) as MilestoneState;
    });
    // What the previous build wrote at plan time: the full state at version 1.
    const db = new Database(join(dir, STORE_FILE));
    db.prepare('UPDATE projections SET version = 1, state = ? WHERE milestone_id = ?').run(
      JSON.stringify(written),
      'add-login',
    );
    db.close();
    const read = readings(dir, 'add-login');
    expect(read.state).toEqual(written);
    expect(read.listed).toEqual(['add-login']);
    expect(read.tasks).toHaveLength(written.plan.tasks.length);
  });
});
