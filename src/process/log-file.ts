import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Opens `path` for appending, creating its folder (0700) and the file (0600) when missing:
 * agent logs can hold prompts, code and tokens printed by tools.
 */
export function openLogFile(path: string): number {
  // a+: readable too, so a capped log can keep its own tail (capped-log.ts).
  // O_NOFOLLOW: a symlink planted at a log's path is refused, never written through.
  const { O_APPEND, O_CREAT, O_RDWR, O_NOFOLLOW } = constants;
  const flags = O_APPEND | O_CREAT | O_RDWR | O_NOFOLLOW;
  try {
    // The folder usually exists (a task's log is opened several times): no mkdir each time.
    return openSync(path, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return openSync(path, flags, 0o600);
}

/** Appends one line (a `\n` is added) to a log file, creating it as {@link openLogFile} does. */
export function appendLogLine(path: string, line: string): void {
  const fd = openLogFile(path);
  try {
    writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}
