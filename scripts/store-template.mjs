// Build step (package.json `build`, after tsc): writes dist/store/store-template.db, the empty
// store a new `.milestones/.local/` starts from (src/store/new-store.ts): made by `openStore`
// itself on an empty folder (WAL mode, every migration) and closed, so it is what a first
// `openStore` makes, minus the four fsyncs of SQLite's switch to WAL and the migrations' work.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTemplate } from '../dist/store/new-store.js';
import { openStore, STORE_FILE } from '../dist/store/store.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(root, 'dist/store/store-template.db');
const scratch = mkdtempSync(join(tmpdir(), 'milestone-store-template-'));
try {
  openStore(join(scratch, 'store')).close();
  copyFileSync(join(scratch, 'store', STORE_FILE), target);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (!readTemplate(target)) throw new Error(`${target}: not a WAL store of this schema version`);
