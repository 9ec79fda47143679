import type { Database } from 'better-sqlite3';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import {
  applyEvent,
  type FoldChanges,
  foldChanges,
  type MilestoneState,
  project,
} from '../core/projection.js';
import { InternalError } from '../errors.js';
import type { ReadModel } from './read-model.js';
import { StaleVersionError } from './stale-version-error.js';

/**
 * Bump when `applyEvent` changes the shape or meaning of `MilestoneState`: cached projections
 * written under another value are folded again from the events (events are the truth).
 */
export const PROJECTION_VERSION = 2;

/** How often, at most, an append writes the whole cached projection (readers fold the tail). */
export const PROJECTION_SAVE_MS = 2000;

/**
 * And no sooner than this many times as long as the last write took: the projection of a big
 * milestone is megabytes of JSON (a 5,000-task run spent a fifth of its coordinator's time
 * writing it every 2 s, more per task the more tasks), so its writes take at most ~1/400 of the
 * time once a write takes 5 ms (below that the 2 s floor rules). With 100 the floor ruled up to
 * 20 ms a write, so the cost per task still grew with the state up to ~3,000 tasks; readers fold
 * the events after the row, at most 400 writes' time of them.
 */
export const PROJECTION_SAVE_FACTOR = 400;

/**
 * The projection row a new milestone's lone `milestone_planned` event gets: the JSON `null` at
 * version 0, which every reader (this build's and older ones: `JSON.parse` gives `null`, and
 * `applyEvent(null, planned)` is the plan's state) folds into the state from the events. It
 * spares `plan --from` writing the plan a second time (a 2,000-task state is ~1 MB of JSON,
 * stringified, checked by `json_valid`, written to the WAL and checkpointed). Not SQL `NULL`:
 * `list()` (also of older builds) skips rows whose state is `NULL`.
 */
export const FOLD_FROM_START = 'null';

/**
 * From this length on, an event's JSON (which `append` makes itself, with `JSON.stringify`) is
 * inserted without the table's `json_valid` CHECK: SQLite parses the whole text again to check
 * it (~6 ms for the 400 KB plan of a 2,000-task milestone). Below it the check stays: turning it
 * off and on makes SQLite prepare the connection's statements again, which costs more than
 * checking a small event.
 */
export const TRUSTED_JSON_LENGTH = 128 * 1024;

/** Options of `append`. */
export interface AppendOptions {
  /** Refuse with {@link StaleVersionError} unless the milestone is at exactly this version. */
  expectVersion?: number;
}

/** Filters of `events`. */
export interface EventQuery {
  /** Only events with a larger seq (0, the default, means all). */
  afterSeq?: number;
  /** Only events of these types. */
  types?: readonly string[];
  /**
   * Only `intent`/`outcome` events of these steps: an indexed query (migration 3), O(events
   * found) however long the log, for readers that show a few steps (`status`).
   */
  steps?: readonly string[];
}

/** The event log and its cached projections over one open database. */
export interface EventLog {
  append(milestoneId: string, events: readonly MilestoneEvent[], options?: AppendOptions): StoredEvent[];
  events(milestoneId: string, query?: EventQuery): StoredEvent[];
  version(milestoneId: string): number;
  state(milestoneId: string): MilestoneState | undefined;
  list(): MilestoneState[];
  rebuildProjections(which?: 'all' | 'outdated'): number;
  /** Deletes the milestone's events and projection (`milestone rm`); returns how many events went. */
  forget(milestoneId: string): number;
  /** Writes the stored projection of what this connection appended, if it lags (done at close). */
  flush(): void;
}

interface EventRow {
  seq: number;
  at: string;
  data: string;
}

interface ProjectionRow {
  milestone_id: string;
  version: number;
  projection_version: number;
  state: string | null;
}

/** Builds the log's statements on `db` (already migrated); `clock` stamps appended events. */
export function createEventLog(db: Database, clock: () => Date, views: ReadModel): EventLog {
  const lastSeq = db
    .prepare<[string], number>('SELECT COALESCE(MAX(seq), 0) FROM events WHERE milestone_id = ?')
    .pluck();
  const insertEvent = db.prepare<[string, number, string, string, string]>(
    'INSERT INTO events (milestone_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)',
  );
  /** `insertEvent` without the CHECKs (see {@link TRUSTED_JSON_LENGTH}); the flag is the connection's. */
  const insertTrusted = (...row: [string, number, string, string, string]) => {
    db.pragma('ignore_check_constraints = ON');
    try {
      insertEvent.run(...row);
    } finally {
      db.pragma('ignore_check_constraints = OFF');
    }
  };
  const selectEvents = db.prepare<[string, number], EventRow>(
    'SELECT seq, at, data FROM events WHERE milestone_id = ? AND seq > ? ORDER BY seq',
  );
  const selectEventsOfTypes = db.prepare<[string, number, string], EventRow>(
    `SELECT seq, at, data FROM events
     WHERE milestone_id = ? AND seq > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY seq`,
  );
  // The step index (migration 3); INDEXED BY because the planner prefers the seq range of the key.
  const selectEventsOfSteps = db.prepare<[string, string, number, string], EventRow>(
    `SELECT seq, at, data FROM events INDEXED BY events_step
     WHERE milestone_id = ? AND json_extract(data, '$.step') IN (SELECT value FROM json_each(?)) AND seq > ?
       AND type IN (SELECT value FROM json_each(?)) ORDER BY seq`,
  );
  const selectProjection = db.prepare<[string], ProjectionRow>(
    'SELECT milestone_id, version, projection_version, state FROM projections WHERE milestone_id = ?',
  );
  const selectProjections = db.prepare<[], ProjectionRow>(
    'SELECT milestone_id, version, projection_version, state FROM projections WHERE state IS NOT NULL',
  );
  const upsertProjection = db.prepare<[string, number, number, string | null]>(
    `INSERT INTO projections (milestone_id, version, projection_version, state) VALUES (?, ?, ?, ?)
     ON CONFLICT (milestone_id) DO UPDATE
     SET version = excluded.version, projection_version = excluded.projection_version, state = excluded.state`,
  );
  const selectMilestoneIds = db.prepare<[], string>('SELECT DISTINCT milestone_id FROM events').pluck();
  const selectOutdatedIds = db
    .prepare<[number], string>('SELECT milestone_id FROM projections WHERE projection_version <> ?')
    .pluck();

  const readEvents = (milestoneId: string, query: EventQuery = {}): StoredEvent[] => {
    const after = query.afterSeq ?? 0;
    const rows = query.steps
      ? selectEventsOfSteps.all(
          milestoneId,
          JSON.stringify(query.steps),
          after,
          JSON.stringify(query.types ?? ['intent', 'outcome']),
        )
      : query.types
        ? selectEventsOfTypes.all(milestoneId, after, JSON.stringify(query.types))
        : selectEvents.all(milestoneId, after);
    return rows.map((row) => ({
      ...(JSON.parse(row.data) as MilestoneEvent),
      seq: row.seq,
      milestoneId,
      at: row.at,
    }));
  };

  const saveProjection = (milestoneId: string, version: number, state: MilestoneState | undefined) =>
    upsertProjection.run(milestoneId, version, PROJECTION_VERSION, state ? JSON.stringify(state) : null);

  /**
   * The state this connection last wrote, kept in memory: the writer (a coordinator holding the
   * lease) never parses its own projection again. Valid while the log's last seq is its version.
   */
  let written: { milestoneId: string; version: number; state: MilestoneState | undefined } | null = null;
  /** Seq up to which each milestone's stored projection row is current (this connection's writes). */
  const savedAt = new Map<string, number>();
  let lastSave = 0;
  /** How long the last lazy save took (ms), for {@link PROJECTION_SAVE_FACTOR}. */
  let lastSaveCost = 0;

  const readState = (row: ProjectionRow): MilestoneState | undefined => {
    if (written?.milestoneId === row.milestone_id && written.version === lastSeq.get(row.milestone_id))
      return written.state;
    // A cache written by other projection code is not trusted: fold the events instead.
    if (row.projection_version !== PROJECTION_VERSION) return project(readEvents(row.milestone_id));
    const cached =
      row.state === null ? undefined : ((JSON.parse(row.state) as MilestoneState | null) ?? undefined);
    // The row may lag the log (the writer saves it every few seconds): fold the events after it.
    let state = cached;
    for (const event of readEvents(row.milestone_id, { afterSeq: row.version }))
      state = applyEvent(state, event);
    return state;
  };

  /** The projection at `version`: kept in memory, or the stored row plus the events after it. */
  const stateAt = (milestoneId: string, version: number): MilestoneState | undefined => {
    if (written?.milestoneId === milestoneId && written.version === version) return written.state;
    const row = selectProjection.get(milestoneId);
    if (row) return readState(row);
    return project(readEvents(milestoneId));
  };

  /**
   * Writing the whole projection at every append made appends cost O(state) each (quadratic on
   * big milestones); it is written at most every `PROJECTION_SAVE_MS` (and `PROJECTION_SAVE_FACTOR`
   * times its own cost), and by `flush`.
   */
  const saveLazily = (milestoneId: string, version: number, state: MilestoneState | undefined) => {
    const now = Date.now();
    const interval = Math.max(PROJECTION_SAVE_MS, PROJECTION_SAVE_FACTOR * lastSaveCost);
    if (savedAt.has(milestoneId) && now - lastSave < interval) return;
    saveProjection(milestoneId, version, state);
    savedAt.set(milestoneId, version);
    lastSave = Date.now();
    lastSaveCost = lastSave - now;
  };

  const appendInTransaction = db.transaction(
    (milestoneId: string, events: readonly MilestoneEvent[], expectVersion: number | undefined) => {
      const current = lastSeq.get(milestoneId) ?? 0;
      if (expectVersion !== undefined && expectVersion !== current) {
        throw new StaleVersionError(milestoneId, expectVersion, current);
      }
      if (events.length === 0) return { stored: [] as StoredEvent[], state: undefined };
      const at = clock().toISOString();
      // Folded in place (O(1) per event): `written` is invalid from here until the commit.
      let state = stateAt(milestoneId, current);
      written = null;
      const changes: FoldChanges = foldChanges();
      const stored = events.map((event, index): StoredEvent => {
        const payload = eventPayload(event);
        const storedEvent = { ...payload, seq: current + index + 1, milestoneId, at } as StoredEvent;
        const data = JSON.stringify(payload);
        if (data.length < TRUSTED_JSON_LENGTH)
          insertEvent.run(milestoneId, storedEvent.seq, event.type, at, data);
        else insertTrusted(milestoneId, storedEvent.seq, event.type, at, data);
        state = applyEvent(state, storedEvent, changes);
        return storedEvent;
      });
      if (current === 0 && events.length === 1 && events[0]?.type === 'milestone_planned') {
        // A new milestone's plan: the row says "fold from the start" (`null` at version 0)
        // instead of holding the plan a second time (see `FOLD_FROM_START`).
        upsertProjection.run(milestoneId, 0, PROJECTION_VERSION, FOLD_FROM_START);
        savedAt.set(milestoneId, 1);
      } else saveLazily(milestoneId, current + events.length, state);
      views.save(milestoneId, state, changes, current);
      return { stored, state };
    },
  );

  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE milestone_id = ?');
  const deleteProjection = db.prepare<[string]>('DELETE FROM projections WHERE milestone_id = ?');
  const forgetInTransaction = db.transaction((milestoneId: string) => {
    written = null;
    savedAt.delete(milestoneId);
    const removed = deleteEvents.run(milestoneId).changes;
    deleteProjection.run(milestoneId);
    views.forget(milestoneId);
    return removed;
  });

  const rebuildInTransaction = db.transaction((ids: readonly string[]) => {
    written = null;
    for (const id of ids) {
      const events = readEvents(id);
      const state = project(events);
      saveProjection(id, events.at(-1)?.seq ?? 0, state);
      views.save(id, state, { tasks: new Set(), replanned: true }, -1);
    }
    return ids.length;
  });

  return {
    append(milestoneId, events, options = {}) {
      checkAppend(milestoneId, events);
      // IMMEDIATE takes the write lock before reading the last seq, so no other writer can slip in between.
      let appended: { stored: StoredEvent[]; state: MilestoneState | undefined };
      try {
        appended = appendInTransaction.immediate(milestoneId, events, options.expectVersion);
      } catch (error) {
        views.reset();
        throw error;
      }
      const { stored, state } = appended;
      const last = stored.at(-1);
      // Kept only once committed: after a rolled-back append (whose fold may have changed the
      // state in place) the next read folds the stored rows again.
      if (last) written = { milestoneId, version: last.seq, state };
      return stored;
    },
    flush() {
      if (!written || savedAt.get(written.milestoneId) === written.version) return;
      saveProjection(written.milestoneId, written.version, written.state);
      savedAt.set(written.milestoneId, written.version);
    },
    events: readEvents,
    version: (milestoneId) => lastSeq.get(milestoneId) ?? 0,
    state(milestoneId) {
      // The writer's own state: no read of the (large) projection row at all.
      if (written?.milestoneId === milestoneId && written.version === lastSeq.get(milestoneId))
        return written.state;
      const row = selectProjection.get(milestoneId);
      return row ? readState(row) : undefined;
    },
    list() {
      const states = selectProjections.all().flatMap((row) => readState(row) ?? []);
      return states.sort((a, b) => compare(a.created, b.created) || compare(a.id, b.id));
    },
    forget: (milestoneId) => forgetInTransaction.immediate(milestoneId),
    rebuildProjections(which = 'all') {
      const ids = which === 'all' ? selectMilestoneIds.all() : selectOutdatedIds.all(PROJECTION_VERSION);
      return ids.length === 0 ? 0 : rebuildInTransaction.immediate(ids);
    },
  };
}

/** The event without store fields: a caller re-appending a stored event must not smuggle in its own seq. */
function eventPayload(event: MilestoneEvent): MilestoneEvent {
  const { seq: _seq, milestoneId: _milestoneId, at: _at, ...payload } = event as Partial<StoredEvent>;
  return payload as MilestoneEvent;
}

function checkAppend(milestoneId: string, events: readonly MilestoneEvent[]): void {
  if (typeof milestoneId !== 'string' || milestoneId === '') {
    throw new InternalError(
      `append: milestone id must be a non-empty string, got ${JSON.stringify(milestoneId)}`,
    );
  }
  for (const event of events) {
    // Callers may hand over parsed JSON (state import): check at runtime what the type claims.
    const type: unknown = (event as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || type === '') {
      throw new InternalError(`append to ${milestoneId}: event without a type: ${JSON.stringify(event)}`);
    }
    if (event.type === 'milestone_planned' && event.plan.id !== milestoneId) {
      throw new InternalError(`append to ${milestoneId}: milestone_planned carries plan id ${event.plan.id}`);
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
