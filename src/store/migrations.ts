import type { Database } from 'better-sqlite3';
import { ExitError } from '../errors.js';
import { READ_MODEL_SCHEMA } from './read-model.js';

/** One schema step. Steps run in order, each exactly once per store, inside one transaction. */
export interface Migration {
  /** What the step does, for error messages and readers of this file. */
  name: string;
  up: (db: Database) => void;
}

/**
 * The schema, as an ordered list: `PRAGMA user_version` counts the steps applied. A future
 * change is one more entry at the end; entries already released are never edited.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'events, projections, leases',
    up: (db) =>
      db.exec(`
        CREATE TABLE events (
          milestone_id TEXT NOT NULL,
          seq INTEGER NOT NULL CHECK (seq > 0),
          type TEXT NOT NULL,
          at TEXT NOT NULL,
          data TEXT NOT NULL CHECK (json_valid(data)),
          PRIMARY KEY (milestone_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE projections (
          milestone_id TEXT PRIMARY KEY,
          version INTEGER NOT NULL,
          projection_version INTEGER NOT NULL,
          state TEXT CHECK (state IS NULL OR json_valid(state))
        );
        CREATE TABLE leases (
          milestone_id TEXT PRIMARY KEY,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          started_at TEXT NOT NULL,
          heartbeat_at TEXT NOT NULL
        );
      `),
  },
  {
    // The read side (`read-model.ts`); filled by the rebuild every writable open runs next.
    name: 'milestone and task views for the read commands',
    up: (db) => {
      db.exec(READ_MODEL_SCHEMA);
      db.exec('UPDATE projections SET projection_version = 0');
    },
  },
  {
    // `events(id, { steps })`: `status` reads its integration and worker steps without the log.
    name: 'index of events by step',
    up: (db) =>
      db.exec(
        `CREATE INDEX IF NOT EXISTS events_step ON events (milestone_id, json_extract(data, '$.step'))`,
      ),
  },
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Reads the store's schema version. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a store written by a newer milestone: its schema may mean things this code does not know. */
export function assertNotNewer(db: Database, file: string): void {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new ExitError(
      'MILESTONE_STORE_NEWER',
      `${file} has schema version ${version}, newer than this milestone supports (${SCHEMA_VERSION}); upgrade milestone`,
    );
  }
}

/**
 * Applies the missing steps in one IMMEDIATE transaction, so two processes opening a new store
 * at once cannot both run them; running it again is a no-op.
 */
export function migrate(db: Database, file: string): void {
  db.transaction(() => {
    assertNotNewer(db, file);
    const from = schemaVersion(db);
    for (const migration of MIGRATIONS.slice(from)) migration.up(db);
    if (from !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
