import type { Database } from 'better-sqlite3';
import type { MilestoneHeader, TaskRow } from '../core/milestone-header.js';
import { headerOf, taskRow } from '../core/milestone-header.js';
import type { MilestoneState } from '../core/projection.js';

/**
 * The read side of the store: per milestone one header row and one row per task, kept in step
 * with the cached projection inside the same append transaction. `status` and `list` read these
 * with one query each and never parse a plan or the whole state (a 10,000-task state is
 * megabytes of JSON; the header is a few hundred bytes).
 */
export interface ReadModel {
  /** Rewrites what changed between `before` and `after` (the same append); `after` undefined deletes. */
  save(milestoneId: string, before: MilestoneState | undefined, after: MilestoneState | undefined): void;
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
  const deleteTasksFrom = db.prepare<[string, number]>(
    'DELETE FROM task_views WHERE milestone_id = ? AND position >= ?',
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
    upsertTask.run(milestoneId, position, JSON.stringify(taskRow(state, position)));

  return {
    save(milestoneId, before, after) {
      if (!after) {
        deleteHeader.run(milestoneId);
        deleteTasks.run(milestoneId);
        return;
      }
      upsertHeader.run(milestoneId, after.created, JSON.stringify(headerOf(after)));
      const tasks = after.plan.tasks;
      if (!before || before.plan !== after.plan) {
        // A new or replaced plan: every row again, and none left over from a longer plan.
        deleteTasksFrom.run(milestoneId, tasks.length);
        for (let i = 0; i < tasks.length; i++) writeTask(milestoneId, after, i);
        return;
      }
      // The projection replaces only the task states an event touched: compare by identity.
      for (let i = 0; i < tasks.length; i++) {
        const id = tasks[i]!.id;
        if (after.tasks[id] !== before.tasks[id]) writeTask(milestoneId, after, i);
      }
    },
    forget(milestoneId) {
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
