import type { Database } from 'better-sqlite3';
import type { MilestoneHeader, TaskRow } from '../core/milestone-header.js';
import { headerOf, taskRowJson, taskRowsJson } from '../core/milestone-header.js';
import { type ProgressTally, progressTally } from '../core/progress-tally.js';
import type { FoldChanges, MilestoneState } from '../core/projection.js';

/**
 * The read side of the store: per milestone one header row and one row per task, kept in step
 * with the cached projection inside the same append transaction. `status` and `list` read these
 * with one query each and never parse a plan or the whole state (a 10,000-task state is
 * megabytes of JSON; the header is a few hundred bytes).
 */
export interface ReadModel {
  /**
   * Rewrites the header and the rows of the tasks an append changed (`changes`, collected by the
   * fold) to the state at `before` (its version); `state` undefined deletes. O(changed tasks): the header's progress comes from a tally
   * kept per milestone while the appends are this connection's (see `ProgressTally`).
   */
  save(milestoneId: string, state: MilestoneState | undefined, changes: FoldChanges, before: number): void;
  /** Drops what this connection keeps in memory (after a rolled-back append). */
  reset(): void;
  /** Deletes the milestone's rows (`milestone rm`). */
  forget(milestoneId: string): void;
  /**
   * Every planned milestone's header, oldest `created` first (ties by id); `undefined` when some
   * rows are outdated (written under another projection version), so the caller folds instead.
   */
  headers(): MilestoneHeader[] | undefined;
  /** One milestone's header; `undefined` if never planned or outdated. */
  header(milestoneId: string): MilestoneHeader | undefined;
  /** The milestone's tasks in plan order. */
  taskRows(milestoneId: string): TaskRow[];
}

/** The tables, created by migration 2 (`migrations.ts`). */
export const READ_MODEL_SCHEMA = `
  CREATE TABLE milestone_views (
    milestone_id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    header TEXT NOT NULL
  );
  CREATE TABLE task_views (
    milestone_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    view TEXT NOT NULL,
    PRIMARY KEY (milestone_id, position)
  ) WITHOUT ROWID;
`;

/** Builds the read model's statements on `db` (already migrated). */
export function createReadModel(db: Database, projectionVersion: number): ReadModel {
  const upsertHeader = db.prepare<[string, string, string]>(
    `INSERT INTO milestone_views (milestone_id, created, header) VALUES (?, ?, ?)
     ON CONFLICT (milestone_id) DO UPDATE SET created = excluded.created, header = excluded.header`,
  );
  const upsertTask = db.prepare<[string, number, string]>(
    `INSERT INTO task_views (milestone_id, position, view) VALUES (?, ?, ?)
     ON CONFLICT (milestone_id, position) DO UPDATE SET view = excluded.view`,
  );
  const deleteHeader = db.prepare<[string]>('DELETE FROM milestone_views WHERE milestone_id = ?');
  const deleteTasks = db.prepare<[string]>('DELETE FROM task_views WHERE milestone_id = ?');
  // A whole plan's rows in one statement: SQLite splits the JSON array (one run per row cost
  // ~0.1 ms each, a quarter of `plan --from` on 2,000 tasks).
  const insertAllTasks = db.prepare<[string, string]>(
    'INSERT INTO task_views (milestone_id, position, view) SELECT ?, key, value FROM json_each(?)',
  );
  // Rows written under another projection version are not trusted (as the projections): the
  // store folds the events instead until a writable open rebuilds them.
  const current = `JOIN projections p USING (milestone_id) WHERE p.projection_version = ${projectionVersion}`;
  const selectHeaders = db
    .prepare<[], string>(`SELECT header FROM milestone_views ${current} ORDER BY created, milestone_id`)
    .pluck();
  const countOutdated = db
    .prepare<[], number>(
      `SELECT COUNT(*) FROM projections WHERE state IS NOT NULL AND projection_version <> ${projectionVersion}`,
    )
    .pluck();
  const selectHeader = db
    .prepare<[string], string>(`SELECT header FROM milestone_views ${current} AND milestone_id = ?`)
    .pluck();
  const selectTasks = db
    .prepare<[string], string>('SELECT view FROM task_views WHERE milestone_id = ? ORDER BY position')
    .pluck();

  const writeTask = (milestoneId: string, state: MilestoneState, position: number) =>
    upsertTask.run(milestoneId, position, taskRowJson(state, position));

  /** Per milestone: the tally of its tasks and the version it reflects. */
  const tallies = new Map<string, { tally: ProgressTally; version: number }>();
  const positions = new WeakMap<MilestoneState['plan'], Map<string, number>>();
  const positionsOf = (plan: MilestoneState['plan']) => {
    let found = positions.get(plan);
    if (!found) {
      found = new Map(plan.tasks.map((task, i) => [task.id, i]));
      positions.set(plan, found);
    }
    return found;
  };

  return {
    save(milestoneId, state, changes, before) {
      if (!state) {
        tallies.delete(milestoneId);
        deleteHeader.run(milestoneId);
        deleteTasks.run(milestoneId);
        return;
      }
      const known = tallies.get(milestoneId);
      let tally: ProgressTally;
      // Kept only across this connection's own consecutive appends to the same plan; else
      // (another writer appended, a new plan, a rebuild) it starts again from the state.
      if (!changes.replanned && known?.tally.plan === state.plan && known.version === before) {
        tally = known.tally;
        for (const id of changes.tasks) tally.update(id, state.tasks[id]);
      } else tally = progressTally(state.plan, state.tasks);
      tallies.set(milestoneId, { tally, version: state.version });
      upsertHeader.run(milestoneId, state.created, JSON.stringify(headerOf(state, tally)));
      if (changes.replanned) {
        // A new or replaced plan: every row again, and none left over from a longer plan.
        deleteTasks.run(milestoneId);
        insertAllTasks.run(milestoneId, taskRowsJson(state));
        return;
      }
      const at = positionsOf(state.plan);
      for (const id of changes.tasks) {
        const position = at.get(id);
        if (position !== undefined) writeTask(milestoneId, state, position);
      }
    },
    reset: () => tallies.clear(),
    forget(milestoneId) {
      tallies.delete(milestoneId);
      deleteHeader.run(milestoneId);
      deleteTasks.run(milestoneId);
    },
    headers: () =>
      countOutdated.get() === 0
        ? selectHeaders.all().map((text) => JSON.parse(text) as MilestoneHeader)
        : undefined,
    header(milestoneId) {
      const text = selectHeader.get(milestoneId);
      return text === undefined ? undefined : (JSON.parse(text) as MilestoneHeader);
    },
    // One JSON.parse of the joined rows: cheaper than one per task.
    taskRows: (milestoneId) => JSON.parse(`[${selectTasks.all(milestoneId).join(',')}]`) as TaskRow[],
  };
}
