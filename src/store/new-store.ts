import { closeSync, existsSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTemp, writeTempFile } from './atomic-file.js';
import {
  type AtomicFile,
  fsyncFd,
  prepareFilesAtomic,
  syncDirectory,
  writeFilesAtomic,
} from './atomic-files.js';
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
  const template = await createStoreFolder(store);
  if (!template) return false;
  // False when another process linked its store first: that one stays, as good as this.
  await commitStoreImage(store.storeDir, template);
  return true;
}

/**
 * {@link createStoreFiles} but the database: the folders and their `.gitignore` files, in place
 * and durable, and the template's bytes, from which the caller makes the database in memory
 * (`openStoreImage`) and then writes it with {@link commitStoreImage}. Null, having done
 * nothing, when the store exists already or there is no usable template.
 */
export async function createStoreFolder(store: NewStore): Promise<Buffer | null> {
  const file = join(store.storeDir, STORE_FILE);
  if (existsSync(file)) return null;
  const template = readTemplate(store.template ?? STORE_TEMPLATE);
  if (!template) return null;
  // Before the store, as `openWorkspaceStore`: the store can never be committed by accident.
  // Both side by side (one round of fsyncs): the database comes after both.
  mkdirSync(store.milestonesDir, { recursive: true });
  ensurePrivateDir(store.storeDir);
  const ignores: AtomicFile[] = [
    { path: join(store.milestonesDir, '.gitignore'), content: store.ignore },
    { path: join(store.storeDir, '.gitignore'), content: '*\n', mode: PRIVATE_FILE_MODE },
  ];
  await writeFilesAtomic(ignores.filter((ignore) => !existsSync(ignore.path)));
  return template;
}

/**
 * Writes a store made in memory (`image`: `openStoreImage`'s `fileImage()`, in the folder
 * {@link createStoreFolder} made) as `<storeDir>/store.db`, and `files` beside it, in one round
 * of fsyncs: the database and every file go to temporary files, fsynced side by side on the
 * thread pool; then the database is linked into place (mode 0600), then the files are renamed
 * over their paths in order (`prepareFilesAtomic`), then the folders are fsynced. SQLite writing
 * the same store on this thread fsyncs one after another: the WAL and its folder at the commit,
 * the WAL and the database at the close's checkpoint. A store another process created
 * meanwhile wins: then nothing is written (the temporary files are removed) and it returns
 * false, for the caller to append to that store instead.
 */
export async function commitStoreImage(
  storeDir: string,
  image: Uint8Array,
  files: readonly AtomicFile[] = [],
): Promise<boolean> {
  const file = join(storeDir, STORE_FILE);
  const { temp, fd } = writeTempFile(file, image, PRIVATE_FILE_MODE);
  const synced = fsyncFd(fd).finally(() => closeSync(fd));
  const [database, prepared] = await Promise.allSettled([synced, prepareFilesAtomic(files)]);
  if (database.status === 'rejected' || prepared.status === 'rejected') {
    removeTemp(temp);
    if (prepared.status === 'fulfilled') prepared.value.discard();
    throw database.status === 'rejected' ? database.reason : (prepared as PromiseRejectedResult).reason;
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    removeTemp(temp);
    prepared.value.discard();
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  removeTemp(temp);
  await Promise.all([syncDirectory(storeDir), prepared.value.commit()]);
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
