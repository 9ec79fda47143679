import { closeSync, fsync, openSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeTemp, writeTempFile } from './atomic-file.js';

/**
 * `text` made one flat string now, where it is made: a long `JSON.stringify` result is a chain of
 * 16 KB pieces that writing it flattens (copies) anyway. Held in pieces until the files are
 * written (after the analyses and the store, for `plan --from`), the pieces survive the young
 * generation's collections, each copied twice and then moved to the old generation; flat, they
 * die young and one string remains (the length is the cheapest call that flattens).
 */
export function flatText(text: string): string {
  Buffer.byteLength(text, 'utf8');
  return text;
}

/** One file of {@link writeFilesAtomic}. */
export interface AtomicFile {
  path: string;
  content: string;
  /** Exactly this mode whatever the umask (see `writeTempFile`); default 0o666 less the umask. */
  mode?: number;
}

/**
 * `writeFileAtomic` for several files at once: each is written to a temporary file beside it
 * (`writeTempFile`: unguessable name, O_EXCL), the temporary files are fsynced side by side on libuv's
 * thread pool, then renamed over their paths in the order given, then each folder is fsynced.
 * One fsync after another cost ~7 ms each on this machine's disk (14 for `plan --from`'s seven
 * files); side by side the file system commits them together (~10 ms for all). Readers see each
 * file old or new, never a mix; a file renamed means the ones before it were renamed too. On a
 * failure before the renames nothing is replaced and the temporary files are removed.
 */
export async function writeFilesAtomic(files: readonly AtomicFile[]): Promise<void> {
  await (await prepareFilesAtomic(files)).commit();
}

/** Files of {@link prepareFilesAtomic}: durable in their temporary files, not yet in place. */
export interface PreparedFiles {
  /** Renames the temporary files over their paths in the order given, then fsyncs their folders. */
  commit(): Promise<void>;
  /** Removes the temporary files: nothing is replaced. */
  discard(): void;
}

/**
 * The first half of {@link writeFilesAtomic}: every file in its temporary file, fsynced (side by
 * side, on the thread pool) and closed; the caller then commits them (renames) or discards
 * them. A new store's database is written so beside the plan's record (`new-store.ts`), and
 * they are renamed only once the database is in place. On a failure the temporary files are
 * removed.
 */
export async function prepareFilesAtomic(files: readonly AtomicFile[]): Promise<PreparedFiles> {
  const temps: Array<{ temp: string; fd: number | undefined; path: string }> = [];
  try {
    for (const file of files)
      temps.push({ ...writeTempFile(file.path, file.content, file.mode), path: file.path });
    try {
      await Promise.all(temps.map((entry) => fsyncFd(entry.fd!)));
    } finally {
      for (const entry of temps) {
        if (entry.fd !== undefined) closeSync(entry.fd);
        entry.fd = undefined;
      }
    }
  } catch (error) {
    for (const entry of temps) {
      if (entry.fd !== undefined) closeSync(entry.fd);
      removeTemp(entry.temp);
    }
    throw error;
  }
  return {
    async commit() {
      let renamed = 0;
      try {
        for (const entry of temps) {
          renameSync(entry.temp, entry.path);
          renamed++;
        }
      } catch (error) {
        for (const entry of temps.slice(renamed)) removeTemp(entry.temp);
        throw error;
      }
      await Promise.all([...new Set(files.map((file) => dirname(file.path)))].map(syncDirectory));
    },
    discard() {
      for (const entry of temps) removeTemp(entry.temp);
    },
  };
}

/** fsync on the thread pool (the main thread goes on meanwhile). */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Makes renames and links in `dir` durable; some platforms cannot open a directory, which is fine there. */
export async function syncDirectory(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    await fsyncFd(fd);
  } catch {
    // Best effort: the renames already happened, only their durability across power loss is at stake.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
