import { StringDecoder } from 'node:string_decoder';

/** Feeds byte chunks in, gets whole lines out (without the `\n`), and keeps a short tail. */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Emits a last line that had no `\n`. */
  end(): void;
  /** The last `tailChars` characters of the lines emitted so far, each followed by its `\n`. */
  tail(): string;
}

/**
 * The longest line kept whole, in characters (10 Mi): an agent printing one line without end (a
 * huge JSON event, a binary dump) cannot grow the reader's memory past it. A longer line is
 * cut: its first characters and a note naming the limit take its place.
 */
export const MAX_LINE_CHARS = 10 * 1024 * 1024;

/** Characters of a cut line kept in front of the note. */
const CUT_KEEP = 200;

/** Options of {@link createLineSplitter}. */
export interface LineSplitterOptions {
  /** Characters kept for {@link LineSplitter.tail}; default 4096. */
  tailChars?: number;
  /** Applied to each whole line before `onLine` and the tail see it (redaction). */
  transform?: (line: string) => string;
  /** Longest line kept whole (default {@link MAX_LINE_CHARS}); a longer one is cut with a note. */
  maxLineChars?: number;
}

/**
 * What stands for a line longer than `max`: its start, then why the rest is gone. `start` must
 * already be redacted as a whole (see {@link createLineSplitter}): redacting only the kept
 * characters would miss a secret that the cut splits, and print its first part.
 */
export function cutLine(start: string, length: number, max: number): string {
  return `${start.slice(0, CUT_KEEP)}... [milestone: line cut: ${length} characters, over the limit of ${max} characters per line; the rest was dropped]`;
}

/**
 * Splits a byte stream into UTF-8 lines; a multi-byte character cut by a chunk stays whole.
 * Lines are transformed only once whole, so a secret split across chunks is still found. Memory
 * stays under `maxLineChars` whatever the stream: the part of a longer line past it is counted,
 * not kept, and the line arrives as {@link cutLine}. The start of a cut line is taken from the
 * transform of all `maxLineChars` characters read, so a secret crossing the cut is masked whole.
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  options: LineSplitterOptions = {},
): LineSplitter {
  const tailChars = options.tailChars ?? 4096;
  const maxLine = options.maxLineChars ?? MAX_LINE_CHARS;
  const transform = options.transform ?? ((line: string) => line);
  const decoder = new StringDecoder('utf8');
  let partial = '';
  /** Characters of the current line once it is over the limit (0: the line is whole so far). */
  let cutChars = 0;
  /** The transformed start of the current line, once it is over the limit. */
  let cutStart = '';
  let tail = '';
  const emit = (raw: string, newline: boolean): void => {
    const line = cutChars > 0 ? cutLine(cutStart, cutChars, maxLine) : transform(raw);
    cutChars = 0;
    cutStart = '';
    tail += newline ? `${line}\n` : line;
    // Trim lazily: slicing on every line would copy the tail each time.
    if (tail.length > tailChars * 2) tail = tail.slice(-tailChars);
    onLine(line);
  };
  /** Adds text of the current line (no newline in it), keeping at most the limit. */
  const add = (piece: string): void => {
    if (cutChars > 0) {
      cutChars += piece.length;
      return;
    }
    partial += piece;
    if (partial.length > maxLine) {
      // Transform everything read before keeping the start: a secret crossing character
      // CUT_KEEP is masked whole, not cut in two with its first part left readable.
      cutChars = partial.length;
      cutStart = transform(partial).slice(0, CUT_KEEP);
      partial = '';
    }
  };
  const take = (text: string): void => {
    // Only the new text is searched: a long line arriving in many chunks is not copied each time.
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      add(text.slice(from, nl));
      emit(partial, true);
      partial = '';
      from = nl + 1;
    }
    add(text.slice(from));
  };
  return {
    push: (chunk) => take(decoder.write(chunk)),
    end: () => {
      take(decoder.end());
      if (partial !== '' || cutChars > 0) emit(partial, false);
      partial = '';
    },
    tail: () => tail.slice(-tailChars),
  };
}
