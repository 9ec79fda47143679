import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lazyCrypto } from './lazy-crypto.js';

/** A temporary file of {@link writeTempFile}: its path and its open descriptor (not yet synced). */
export interface TempFile {
  temp: string;
  fd: number;
}

/**
 * The first step of every atomic write here (`writeFileAtomic`, `writeFilesAtomic`, the new
 * store's files): `content` in a temporary file beside `path`, with an unguessable name, created
 * with O_EXCL so a planted file or symlink makes it fail rather than be followed. With `mode`,
 * exactly that mode whatever the umask; without, 0o666 less the umask. The caller fsyncs (on
 * this thread or libuv's), closes, and renames or links it into place, and calls
 * {@link removeTemp} on failure. A failure here leaves no temporary file behind.
 */
export function writeTempFile(path: string, content: string | Uint8Array, mode?: number): TempFile {
  const temp = join(dirname(path), `.${basename(path)}.${lazyCrypto().randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode ?? 0o666);
  try {
    if (mode !== undefined) fchmodSync(fd, mode);
    writeWhole(fd, content);
  } catch (error) {
    closeSync(fd);
    removeTemp(temp);
    throw error;
  }
  return { temp, fd };
}

/**
 * Writes all of `content` at `fd`'s position. A string goes as it is (node encodes it outside the
 * JavaScript heap; a `Buffer` of megabytes of planning artifacts would be garbage the collector
 * has to account for), and only after a short write, which a regular file gives only in
 * exceptional cases, the rest through a `Buffer`.
 */
function writeWhole(fd: number, content: string | Uint8Array): void {
  const total = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength;
  let written = typeof content === 'string' ? writeSync(fd, content) : writeSync(fd, content);
  if (written === total) return;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  while (written < total) written += writeSync(fd, bytes, written);
}

/** Removes a temporary file after a failure; one already gone (renamed away) is fine. */
export function removeTemp(temp: string): void {
  try {
    unlinkSync(temp);
  } catch {
    // Already gone or renamed away; the original error is what matters.
  }
}

/**
 * Replaces `path` with `content` so that readers see the old file or the new one, never a mix:
 * a temporary file ({@link writeTempFile}), fsync, rename over `path`, fsync the directory. With
 * `mode`, the file gets exactly that mode whatever the umask; without, 0o666 less the umask,
 * like `writeFileSync`.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode?: number): void {
  const { temp, fd } = writeTempFile(path, content, mode);
  try {
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    removeTemp(temp);
    throw error;
  }
  syncDirectory(dirname(path));
}

/** Makes the rename itself durable; some platforms cannot open a directory, which is fine there. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: the rename already happened, only its durability across power loss is at stake.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
