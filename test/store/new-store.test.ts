import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { createStoreFiles, readTemplate } from '../../src/store/new-store.js';
import { openStore, STORE_FILE } from '../../src/store/store.js';
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
