import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lazyCrypto } from './lazy-crypto.js';

/**
 * Replaces `path` with `content` so that readers see the old file or the new one, never a mix:
 * a temporary file with an unguessable name in the same directory (created with O_EXCL, so a
 * planted file or symlink makes it fail rather than be followed), fsync, rename over `path`,
 * fsync the directory. With `mode`, the file gets exactly that mode whatever the umask;
 * without, 0o666 less the umask, like `writeFileSync`.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode?: number): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${lazyCrypto().randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode ?? 0o666);
  try {
    try {
      if (mode !== undefined) fchmodSync(fd, mode);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone or never renamed away; the original error is what matters.
    }
    throw error;
  }
  syncDirectory(dir);
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
