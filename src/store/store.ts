import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { MilestoneEvent, StoredEvent } from '../core/events.js';
import type { MilestoneHeader, TaskRow } from '../core/milestone-header.js';
import { headerOf, taskRowsOf } from '../core/milestone-header.js';
import type { MilestoneState } from '../core/projection.js';
import { EXIT, ExitError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { type AppendOptions, createEventLog, type EventQuery, PROJECTION_VERSION } from './event-log.js';
import type { LeaseCheck, LeaseClaimant, LeaseHolder, LeaseResult } from './lease.js';
import { createLeaseTable } from './lease-table.js';
import { assertNotNewer, migrate, SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from './private-dir.js';
import { createReadModel } from './read-model.js';
import { Database, nativeBinding } from './sqlite.js';

/** File name of the database inside the store directory. */
export const STORE_FILE = 'store.db';

/** How long a writer waits for another process's write transaction before giving up. */
export const BUSY_TIMEOUT_MS = 10_000;

/** Options of {@link openStore}. */
export interface StoreOptions {
  /** Open for reading only: nothing is created, migrated or written. Any number of readers may run. */
  readonly?: boolean;
  /** Stamps appended events; the default is the wall clock. Keeps the core free of clocks. */
  clock?: () => Date;
}

/**
 * The durable runtime store of one repository: the per-milestone event log, its cached
 * projection, and the coordinator leases. One per process; any number of processes at once.
 */
export interface Store {
  /** The database file. */
  readonly path: string;
  /**
   * Appends events atomically (one BEGIN IMMEDIATE transaction), assigns gap-free per-milestone
   * seq and updates the cached projection in the same transaction. With `expectVersion`, throws
   * a `StaleVersionError` if the milestone's current version differs.
   */
  append(milestoneId: string, events: readonly MilestoneEvent[], options?: AppendOptions): StoredEvent[];
  /** The milestone's events, oldest first. */
  events(milestoneId: string, query?: EventQuery): StoredEvent[];
  /** Seq of the milestone's last event; 0 if it has none. */
  version(milestoneId: string): number;
  /** The cached projection (the fold of all events); `undefined` if never planned. */
  state(milestoneId: string): MilestoneState | undefined;
  /** Every planned milestone, oldest `created` first. */
  list(): MilestoneState[];
  /** Writes the cached projection of what this store appended if it lags behind the log. */
  flush(): void;
  /**
   * Every planned milestone without plan and task states (`list`, resolving an omitted id):
   * one query over small rows, oldest `created` first.
   */
  headers(): MilestoneHeader[];
  /** One milestone's header (status, progress, branch, reviews); `undefined` if never planned. */
  header(milestoneId: string): MilestoneHeader | undefined;
  /** The milestone's header and tasks as `status` prints them, without parsing its plan. */
  statusRows(milestoneId: string): { header: MilestoneHeader; tasks: TaskRow[] } | undefined;
  /**
   * Folds the cached projections again from the events: `all`, or only those written under
   * another `PROJECTION_VERSION` (done at every writable open). Returns how many were rebuilt.
   */
  rebuildProjections(which?: 'all' | 'outdated'): number;
  /** Deletes the milestone's events and cached projection (`milestone rm`); returns how many events went. */
  forget(milestoneId: string): number;
  /**
   * Takes the milestone's coordinator lease when it is free, already ours (same pid and host,
   * heartbeat renewed) or stale (see `isLeaseStale`); otherwise returns who holds it.
   */
  acquireLease(milestoneId: string, me: LeaseClaimant, check: LeaseCheck): LeaseResult;
  /** Renews our heartbeat; `false` if the lease is no longer ours (taken over or released). */
  heartbeat(milestoneId: string, me: LeaseClaimant, now: Date): boolean;
  /** Gives the lease up if we hold it; otherwise does nothing. */
  releaseLease(milestoneId: string, me: LeaseClaimant): void;
  /** The current holder, if any (stale or not). */
  lease(milestoneId: string): LeaseHolder | undefined;
  /** Writes the lagging cached projection (see `flush`), then closes; calling it again does nothing. */
  close(): void;
}

/**
 * Opens (creating and migrating unless `readonly`) the store in `dir`, normally
 * `<repo>/.milestones/.local/`. The directory gets mode 0700, the database 0600. An unreadable
 * or corrupt database throws an `ExitError` (`MILESTONE_STORE_UNREADABLE`) naming the file,
 * with the SQLite error as `cause`.
 */
export function openStore(dir: string, options: StoreOptions = {}): Store {
  const file = join(dir, STORE_FILE);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = options.readonly ? openReader(file) : openWriter(dir, file);
    return storeOn(db, file, options);
  } catch (error) {
    if (db?.open) db.close();
    throw storeError(file, error);
  }
}

/** A store held in memory ({@link openStoreImage}). */
export interface StoreImage extends Store {
  /**
   * The database file's bytes as they are now (the lagging cached projection written first), a
   * store in WAL mode as every store on disk: what `commitStoreImage` writes as `store.db`.
   */
  fileImage(): Buffer;
}

/**
 * Opens a copy of `image` (a database file's bytes: a new store's template, `new-store.ts`) as a
 * store in memory, with the same statements, checks and appends as a store on disk, nothing
 * read or written in `dir` (named in its errors). A memory database has no WAL: the copy's
 * header says rollback journal (bytes 18 and 19, which `PRAGMA journal_mode` sets), and
 * {@link StoreImage.fileImage} says WAL again.
 */
export function openStoreImage(
  dir: string,
  image: Uint8Array,
  options: { clock?: () => Date } = {},
): StoreImage {
  const file = join(dir, STORE_FILE);
  let db: BetterSqlite3.Database | undefined;
  try {
    const bytes = Buffer.from(image);
    bytes[18] = JOURNAL_ROLLBACK;
    bytes[19] = JOURNAL_ROLLBACK;
    db = new Database(bytes, { nativeBinding: nativeBinding() });
    migrate(db, file);
    const store = storeOn(db, file, options);
    const connection = db;
    return {
      ...store,
      fileImage() {
        store.flush();
        const out = connection.serialize();
        out[18] = JOURNAL_WAL;
        out[19] = JOURNAL_WAL;
        return out;
      },
    };
  } catch (error) {
    if (db?.open) db.close();
    throw storeError(file, error);
  }
}

/** The file format versions at bytes 18 and 19 of a database's header: a rollback journal, or WAL. */
const JOURNAL_ROLLBACK = 1;
const JOURNAL_WAL = 2;

/** The store's functions over an open, migrated database. */
function storeOn(db: BetterSqlite3.Database, file: string, options: StoreOptions): Store {
  const views = createReadModel(db, PROJECTION_VERSION);
  const log = createEventLog(db, options.clock ?? (() => new Date()), views);
  if (!options.readonly) log.rebuildProjections('outdated');
  const leases = createLeaseTable(db);
  // Outdated view rows (a reader before the first writable open after an upgrade): fold instead.
  const header = (id: string) => {
    const found = views.header(id);
    if (found) return found;
    const state = log.state(id);
    return state && headerOf(state);
  };
  // One read transaction: the header and the tasks of the same version, whatever a writer does.
  const statusRows = db.transaction((id: string) => {
    const found = views.header(id);
    if (found) return { header: found, tasks: views.taskRows(id) };
    const state = log.state(id);
    return state && { header: headerOf(state), tasks: taskRowsOf(state) };
  });
  return {
    path: file,
    ...log,
    ...leases,
    headers: () => views.headers() ?? log.list().map((state) => headerOf(state)),
    header,
    statusRows,
    close: () => {
      if (!db.open) return;
      try {
        if (!options.readonly) log.flush();
      } catch (error) {
        // The projection row is a cache (readers fold the events after it): a disk that
        // refuses this last write (full, I/O error) loses nothing, and the events stay the truth.
        if (!String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_')) throw error;
      } finally {
        db.close();
      }
    },
  };
}

function openWriter(dir: string, file: string): BetterSqlite3.Database {
  ensurePrivateDir(dir);
  ensureGitIgnored(dir);
  ensurePrivateFile(file);
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: nativeBinding() });
  try {
    // WAL: readers never block the writer nor each other, and a commit survives kill -9.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)})`);
    // NORMAL is safe with WAL: a commit survives kill -9 and the file never corrupts; only an OS
    // crash or power cut may drop the last commits, which resume reconciles from git (Task-Id
    // trailers). FULL would fsync every commit, halving write throughput under contention.
    db.pragma('synchronous = NORMAL');
    migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function openReader(file: string): BetterSqlite3.Database {
  if (!existsSync(file)) {
    throw new ExitError(
      'MILESTONE_STORE_MISSING',
      `no milestone store at ${file}: nothing was planned here yet`,
    );
  }
  const db = new Database(file, {
    readonly: true,
    fileMustExist: true,
    timeout: BUSY_TIMEOUT_MS,
    nativeBinding: nativeBinding(),
  });
  try {
    assertNotNewer(db, file);
    // A reader cannot migrate; an older schema needs one writable open first.
    if (schemaVersion(db) < SCHEMA_VERSION) {
      throw new ExitError(
        'MILESTONE_STORE_OUTDATED',
        `${file} has schema version ${schemaVersion(db)}, older than ${SCHEMA_VERSION}; open it for writing once to upgrade it`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Runtime state never belongs in a commit, whatever the repository's own .gitignore says. */
function ensureGitIgnored(dir: string): void {
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileAtomic(ignore, '*\n', PRIVATE_FILE_MODE);
}

function storeError(file: string, error: unknown): Error {
  if (error instanceof ExitError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const message = `cannot open the milestone store ${file}: ${reason}`;
  return new ExitError('MILESTONE_STORE_UNREADABLE', message, EXIT.failed, { cause: error });
}
