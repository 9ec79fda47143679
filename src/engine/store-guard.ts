import { ExitError } from '../errors.js';
import type { Store } from '../store/store.js';

/** SQLite and errno codes that mean the disk (or the device) refused a write, not a bug. */
const WRITE_FAILURES = /^(SQLITE_FULL|SQLITE_IOERR.*|SQLITE_CANTOPEN|ENOSPC|EDQUOT|EIO|EROFS)$/;

/** The error code of a failed write found in `error` or its causes, else `null`. */
export function writeFailureCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && WRITE_FAILURES.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** A store whose writes stop the run instead of throwing into it. */
export interface GuardedStore {
  store: Store;
  /** The first write that failed, if one did. */
  failure(): { code: string; error: unknown } | null;
  /** The error `execute` ends with after a failed write (exit 1, how to resume). */
  failureError(milestoneId: string, dir: string): ExitError | null;
}

/**
 * Wraps the run's store so a write the disk refuses (full, I/O error) stops the run cleanly:
 * `onFailure` is called once (the run aborts, agents are stopped like on Ctrl-C), and that write
 * and every later one are dropped rather than thrown into the middle of a landing. Nothing
 * wrong is recorded: SQLite rolls the failed transaction back, and an event is only ever
 * appended after what it records happened (a landing after the branch moved), so what git did
 * that the store missed is found again by recovery from the trailers on the next `execute`.
 */
export function guardStore(store: Store, onFailure: (error: unknown) => void): GuardedStore {
  let failed: { code: string; error: unknown } | null = null;
  const guard = <T>(write: () => T, fallback: T): T => {
    if (failed) return fallback;
    try {
      return write();
    } catch (error) {
      const code = writeFailureCode(error);
      if (code === null) throw error;
      failed = { code, error };
      onFailure(error);
      return fallback;
    }
  };
  const guarded: Store = Object.create(store, {
    append: { value: (...args: Parameters<Store['append']>) => guard(() => store.append(...args), []) },
    // While the writes fail the lease cannot be renewed; the run is stopping anyway.
    heartbeat: {
      value: (...args: Parameters<Store['heartbeat']>) => guard(() => store.heartbeat(...args), true),
    },
    releaseLease: {
      value: (...args: Parameters<Store['releaseLease']>) =>
        guard(() => store.releaseLease(...args), undefined),
    },
  });
  return {
    store: guarded,
    failure: () => failed,
    failureError(milestoneId, dir) {
      if (!failed) return null;
      const what =
        failed.code === 'SQLITE_FULL' || failed.code === 'ENOSPC'
          ? 'its disk is full'
          : 'the disk refused a write';
      return new ExitError(
        'MILESTONE_STORE_WRITE',
        `milestone ${milestoneId} stopped: cannot write the store in ${dir}: ${what} (${failed.code}). ` +
          `Nothing was recorded that did not happen; free space there, then run \`milestone execute ${milestoneId}\` to resume.`,
        1,
        { cause: failed.error },
      );
    },
  };
}
