import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import {
  commitStoreImage,
  createStoreFiles,
  createStoreFolder,
  readTemplate,
} from '../../src/store/new-store.js';
import { openStore, openStoreImage, STORE_FILE } from '../../src/store/store.js';
import { tempDir } from '../helpers/git-repo.js';
import { plannedEvent } from './fixtures/sample-plan.js';

const IGNORE = '# runtime state\n.local/\n';

/** A template as the build makes it (scripts/store-template.mjs): `openStore` on an empty folder, closed. */
function makeTemplate(): string {
  const dir = join(tempDir(), 'template');
  openStore(dir).close();
  return join(dir, STORE_FILE);
}

/** What SQLite says of a database's shape: its schema, version, journal mode and page size. */
function shape(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return {
      schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all(),
      userVersion: db.pragma('user_version', { simple: true }),
      journalMode: db.pragma('journal_mode', { simple: true }),
      pageSize: db.pragma('page_size', { simple: true }),
      encoding: db.pragma('encoding', { simple: true }),
      autoVacuum: db.pragma('auto_vacuum', { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe('a new store from the template', () => {
  it('has the files, modes and schema of a store openStore creates, and takes appends', async () => {
    const template = makeTemplate();
    const root = tempDir();
    const milestonesDir = join(root, '.milestones');
    const storeDir = join(milestonesDir, '.local');
    expect(await createStoreFiles({ milestonesDir, ignore: IGNORE, storeDir, template })).toBe(true);

    expect(readFileSync(join(milestonesDir, '.gitignore'), 'utf8')).toBe(IGNORE);
    expect(readFileSync(join(storeDir, '.gitignore'), 'utf8')).toBe('*\n');
    expect(statSync(storeDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(storeDir, '.gitignore')).mode & 0o777).toBe(0o600);
    expect(statSync(join(storeDir, STORE_FILE)).mode & 0o777).toBe(0o600);
    // No temporary file left behind.
    expect(readdirSync(storeDir).sort()).toEqual(['.gitignore', STORE_FILE]);
    expect(readdirSync(milestonesDir).sort()).toEqual(['.gitignore', '.local']);

    // The same database as SQLite and the migrations make on an empty folder.
    const made = join(tempDir(), 'made');
    openStore(made).close();
    expect(shape(join(storeDir, STORE_FILE))).toEqual(shape(join(made, STORE_FILE)));

    const store = openStore(storeDir);
    try {
      store.append('add-login', [plannedEvent()]);
      expect(store.state('add-login')?.status).toBe('planned');
    } finally {
      store.close();
    }
  });

  it('leaves an existing store alone', async () => {
    const template = makeTemplate();
    const milestonesDir = join(tempDir(), '.milestones');
    const storeDir = join(milestonesDir, '.local');
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(join(storeDir, STORE_FILE), 'not replaced');
    expect(await createStoreFiles({ milestonesDir, ignore: IGNORE, storeDir, template })).toBe(false);
    expect(readFileSync(join(storeDir, STORE_FILE), 'utf8')).toBe('not replaced');
    expect(existsSync(join(milestonesDir, '.gitignore'))).toBe(false);
  });

  it('does nothing without a usable template (openStore then creates the store as before)', async () => {
    const milestonesDir = join(tempDir(), '.milestones');
    const storeDir = join(milestonesDir, '.local');
    const missing = join(tempDir(), 'none.db');
    expect(await createStoreFiles({ milestonesDir, ignore: IGNORE, storeDir, template: missing })).toBe(
      false,
    );
    expect(existsSync(milestonesDir)).toBe(false);

    // A database of another schema version is no template either.
    const old = makeTemplate();
    const db = new Database(old);
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    db.close();
    expect(readTemplate(old)).toBeNull();
    expect(await createStoreFiles({ milestonesDir, ignore: IGNORE, storeDir, template: old })).toBe(false);
    expect(existsSync(milestonesDir)).toBe(false);
  });

  it('is what the build writes into dist/', () => {
    const built = join(import.meta.dirname, '../../dist/store/store-template.db');
    expect(readTemplate(built)).not.toBeNull();
    const made = join(tempDir(), 'made');
    openStore(made).close();
    expect(shape(built)).toEqual(shape(join(made, STORE_FILE)));
  });
});

/** The rows of every table, for comparing two stores (`at` stamps given by the test's clock). */
function rows(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    const tables = ['events', 'projections', 'milestone_views', 'task_views', 'leases'];
    return {
      ...Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM ${table}`).all()])),
      journalMode: db.pragma('journal_mode', { simple: true }),
      integrity: db.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe('a new store made in memory (plan --from on a repository without a store)', () => {
  const clock = () => new Date('2026-01-02T03:04:05.000Z');

  it('is written with the record files in one go and holds exactly what a store on disk holds', async () => {
    const template = makeTemplate();
    const root = tempDir();
    const milestonesDir = join(root, '.milestones');
    const storeDir = join(milestonesDir, '.local');
    const bytes = await createStoreFolder({ milestonesDir, ignore: IGNORE, storeDir, template });
    expect(bytes).not.toBeNull();
    // The folder and its ignore files are in place; the database is not yet.
    expect(readdirSync(storeDir).sort()).toEqual(['.gitignore']);
    expect(readFileSync(join(milestonesDir, '.gitignore'), 'utf8')).toBe(IGNORE);
    expect(statSync(join(storeDir, '.gitignore')).mode & 0o777).toBe(0o600);

    const store = openStoreImage(storeDir, bytes!, { clock });
    store.append('add-login', [plannedEvent()]);
    expect(store.state('add-login')?.status).toBe('planned');
    const image = store.fileImage();
    store.close();
    // Nothing on disk until committed.
    expect(readdirSync(storeDir).sort()).toEqual(['.gitignore']);

    const record = join(milestonesDir, 'add-login');
    mkdirSync(record);
    const files = [
      { path: join(record, 'plan.json'), content: '{"id":"add-login"}\n' },
      { path: join(record, 'milestone.yaml'), content: 'id: add-login\n' },
    ];
    expect(await commitStoreImage(storeDir, image, files)).toBe(true);
    expect(readdirSync(storeDir).sort()).toEqual(['.gitignore', STORE_FILE]);
    expect(statSync(join(storeDir, STORE_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(record).sort()).toEqual(['milestone.yaml', 'plan.json']);
    expect(readFileSync(join(record, 'plan.json'), 'utf8')).toBe('{"id":"add-login"}\n');

    // The same rows as the same append on a store on disk, in WAL mode, intact.
    const onDisk = join(tempDir(), 'disk');
    const disk = openStore(onDisk, { clock });
    disk.append('add-login', [plannedEvent()]);
    disk.close();
    expect(rows(join(storeDir, STORE_FILE))).toEqual(rows(join(onDisk, STORE_FILE)));
    expect(rows(join(storeDir, STORE_FILE))).toMatchObject({ journalMode: 'wal', integrity: 'ok' });
    expect(shape(join(storeDir, STORE_FILE))).toEqual(shape(join(onDisk, STORE_FILE)));

    // And it is a store like any other: opened, appended to, read.
    const again = openStore(storeDir);
    try {
      again.append('add-login', [{ type: 'milestone_status', status: 'executing' }]);
      expect(again.state('add-login')?.status).toBe('executing');
    } finally {
      again.close();
    }
  });

  it('gives way to a store another process created meanwhile, writing nothing', async () => {
    const template = makeTemplate();
    const milestonesDir = join(tempDir(), '.milestones');
    const storeDir = join(milestonesDir, '.local');
    const bytes = await createStoreFolder({ milestonesDir, ignore: IGNORE, storeDir, template });
    const store = openStoreImage(storeDir, bytes!);
    store.append('add-login', [plannedEvent()]);
    const image = store.fileImage();
    store.close();

    // Another process's store, with its own milestone.
    const other = openStore(storeDir);
    other.append('other', [plannedEvent('other')]);
    other.close();
    const plan = join(milestonesDir, 'plan.json');
    expect(await commitStoreImage(storeDir, image, [{ path: plan, content: 'x' }])).toBe(false);
    expect(existsSync(plan)).toBe(false);
    expect(readdirSync(milestonesDir).sort()).toEqual(['.gitignore', '.local']);
    expect(readdirSync(storeDir).sort()).toEqual(['.gitignore', STORE_FILE]);
    const kept = openStore(storeDir);
    try {
      expect(kept.state('other')?.status).toBe('planned');
      expect(kept.state('add-login')).toBeUndefined();
    } finally {
      kept.close();
    }
  });
});
