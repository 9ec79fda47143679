import { closeSync, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { formatBytes } from './process-limits.js';

/** One log file being written by one process, kept under a size cap. */
export interface CappedLog {
  /** Appends one line (a `\n` is added). Throws what `writeSync` throws (e.g. ENOSPC). */
  write(line: string): void;
  close(): void;
}

const NOTE = /^--- milestone: log capped at .*?: (\d+) earlier bytes dropped, the tail follows ---\n/;

/**
 * Wraps an append-mode descriptor so the file never grows much past `maxBytes`: when it does,
 * the file is rewritten in place with a note and its last `maxBytes / 2` bytes (cut at a line
 * start). In place, not renamed: other writers of the same attempt log (the adapters' marker
 * lines, opened with `O_APPEND`) keep appending to the same file. Each byte is copied at most
 * about once per cap's worth written, so a process that prints gigabytes costs linear time.
 */
export function cappedLog(fd: number, maxBytes: number | null): CappedLog {
  let size = maxBytes === null ? 0 : fstatSync(fd).size;
  return {
    write(line) {
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      writeSync(fd, bytes);
      if (maxBytes === null) return;
      size += bytes.byteLength;
      if (size > maxBytes) size = keepTail(fd, maxBytes);
    },
    close: () => closeSync(fd),
  };
}

/** Rewrites the file as a note plus its tail; returns the new size. */
function keepTail(fd: number, maxBytes: number): number {
  const size = fstatSync(fd).size;
  const keep = Math.floor(maxBytes / 2);
  const tail = Buffer.alloc(Math.min(keep, size));
  readSync(fd, tail, 0, tail.byteLength, size - tail.byteLength);
  const head = Buffer.alloc(Math.min(200, size));
  readSync(fd, head, 0, head.byteLength, 0);
  const previous = NOTE.exec(head.toString('utf8'));
  const earlier = Number(previous?.[1] ?? 0) - Buffer.byteLength(previous?.[0] ?? '');
  // Start the tail at a line, so no line is cut in half (unless one line is longer than the tail).
  const newline = tail.indexOf(10);
  const kept = newline >= 0 && newline < tail.byteLength - 1 ? tail.subarray(newline + 1) : tail;
  const dropped = earlier + size - kept.byteLength;
  const note = Buffer.from(
    `--- milestone: log capped at ${formatBytes(maxBytes)} per attempt: ${dropped} earlier bytes dropped, the tail follows ---\n`,
  );
  ftruncateSync(fd, 0);
  writeSync(fd, note);
  writeSync(fd, kept);
  return note.byteLength + kept.byteLength;
}
