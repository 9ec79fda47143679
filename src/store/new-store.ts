import { closeSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTemp, writeTempFile } from './atomic-file.js';
import { fsyncFd, syncDirectory } from './atomic-files.js';
import { SCHEMA_VERSION } from './migrations.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './private-dir.js';
import { STORE_FILE } from './store.js';

/**
 * The empty store the build writes beside this module (`scripts/store-template.mjs`: `openStore`
 * on an empty folder, closed): WAL mode, every migration applied. The same path from the bundled
 * `dist/cli/plan-command.js` and from `dist/store/new-store.js`; missing when the sources run.
 */
const STORE_TEMPLATE = new URL('../store/store-template.db', import.meta.url);

/** The files of a new store and where they go; see {@link createStoreFiles}. */
export interface NewStore {
  /** `.milestones/`, which gets `.gitignore` (its content: `ignore`) first. */
  milestonesDir: string;
  ignore: string;
  /** `.milestones/.local/` (mode 0700), which gets `.gitignore` (`*`, 0600) and `store.db` (0600). */
  storeDir: string;
  /** The template's file; default {@link STORE_TEMPLATE}. */
  template?: URL | string;
}

/**
 * Creates a store that does not exist yet from the build's template instead of letting SQLite
 * make it: the same files `openWorkspaceStore` would create (`.milestones/.gitignore`, then the
 * store folder, its `.gitignore` and the database), each written to a temporary file, fsynced on
 * libuv's thread pool (so the main thread computes meanwhile) and moved into place. A new
 * SQLite database switches to WAL in a rollback-journal transaction (four fsyncs, one after
 * another) before the migrations run in another; the template is already both. The database is
 * linked into place, never renamed over: a store another process created meanwhile wins.
 * Returns false, having done nothing, when the store exists already or the template is missing
 * or not of this schema version (`openStore` then creates the store as it always did).
 */
export async function createStoreFiles(store: NewStore): Promise<boolean> {
  const file = join(store.storeDir, STORE_FILE);
  if (existsSync(file)) return false;
  const template = readTemplate(store.template ?? STORE_TEMPLATE);
  if (!template) return false;
  const ignore = join(store.milestonesDir, '.gitignore');
  // Before the store, as `openWorkspaceStore`: the store can never be committed by accident.
  mkdirSync(store.milestonesDir, { recursive: true });
  if (!existsSync(ignore)) await writeNew(ignore, store.ignore, undefined, 'replace');
  ensurePrivateDir(store.storeDir);
  const storeIgnore = join(store.storeDir, '.gitignore');
  if (!existsSync(storeIgnore)) await writeNew(storeIgnore, '*\n', PRIVATE_FILE_MODE, 'replace');
  await writeNew(file, template, PRIVATE_FILE_MODE, 'keep');
  return true;
}

/** The template's bytes when it is a database of this schema version in WAL mode, else null. */
export function readTemplate(template: URL | string): Buffer | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(typeof template === 'string' ? template : fileURLToPath(template));
  } catch {
    return null;
  }
  const header = bytes.subarray(0, 16).toString('latin1');
  // Header: bytes 18 and 19 are 2 in WAL mode; the user version (our schema version) is at 60.
  if (header !== 'SQLite format 3\u0000' || bytes.length < 100) return null;
  if (bytes[18] !== 2 || bytes[19] !== 2 || bytes.readUInt32BE(60) !== SCHEMA_VERSION) return null;
  return bytes;
}

/**
 * Writes `path` through a temporary file ({@link writeTempFile}), fsynced off the main thread,
 * then `replace`s it (rename) or `keep`s an existing one (link, refused by an existing file,
 * which then stays), then fsyncs the folder.
 */
async function writeNew(
  path: string,
  content: string | Uint8Array,
  mode: number | undefined,
  existing: 'replace' | 'keep',
): Promise<void> {
  const { temp, fd } = writeTempFile(path, content, mode);
  try {
    try {
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    if (existing === 'replace') renameSync(temp, path);
    else {
      try {
        linkSync(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      unlinkSync(temp);
    }
  } catch (error) {
    removeTemp(temp);
    throw error;
  }
  await syncDirectory(dirname(path));
}
