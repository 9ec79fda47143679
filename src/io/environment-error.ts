import { existsSync } from 'node:fs';
import { GitError } from '../git/git-error.js';
import { GIT_MISSING } from '../git/git-on-path.js';

/** errno codes that mean the machine refused, not that milestone has a bug. */
const ENVIRONMENT_CODES = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EROFS',
  'EDQUOT',
  'EMFILE',
  'ENFILE',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'EBUSY',
  'ELOOP',
  'ENAMETOOLONG',
  'EIO',
  'EDQUOT',
  // better-sqlite3's codes for a write the disk refused (a full disk, an I/O error).
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_IOERR_WRITE',
  'SQLITE_IOERR_FSYNC',
]);

/**
 * The message for a failure of the environment (git refusing, a file system error) found in
 * `error` or its causes; `null` when it is none (then it is a bug). Such failures exit 2 with
 * their cause, never as "internal error ... please report it".
 */
export function environmentFailure(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof GitError) {
      const cause = current.cause as NodeJS.ErrnoException | undefined;
      // `spawn git ENOENT` in a folder that exists: no git to run, not git refusing.
      if (current.exitCode === null && cause?.code === 'ENOENT' && existsSync(current.cwd))
        return GIT_MISSING;
      return `git refused: ${current.message}`;
    }
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && ENVIRONMENT_CODES.has(code) && current instanceof Error) {
      return `the system refused: ${current.message}`;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
