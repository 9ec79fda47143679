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

/** What stands for a line longer than `max`: its start, then why the rest is gone. */
export function cutLine(start: string, length: number, max: number): string {
  return `${start.slice(0, CUT_KEEP)}... [milestone: line cut: ${length} characters, over the limit of ${max} characters per line; the rest was dropped]`;
}

/**
 * Splits a byte stream into UTF-8 lines; a multi-byte character cut by a chunk stays whole.
 * Lines are transformed only once whole, so a secret split across chunks is still found. Memory
 * stays under `maxLineChars` whatever the stream: the part of a longer line past it is counted,
 * not kept, and the line arrives as {@link cutLine}.
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
  /** Characters of the current line dropped past the limit (0: the line is whole so far). */
  let dropped = 0;
  let tail = '';
  const emit = (raw: string, newline: boolean): void => {
    const line = dropped > 0 ? cutLine(transform(raw), raw.length + dropped, maxLine) : transform(raw);
    dropped = 0;
    tail += newline ? `${line}\n` : line;
    // Trim lazily: slicing on every line would copy the tail each time.
    if (tail.length > tailChars * 2) tail = tail.slice(-tailChars);
    onLine(line);
  };
  /** Adds text of the current line (no newline in it), keeping at most the limit. */
  const add = (piece: string): void => {
    if (dropped > 0) {
      dropped += piece.length;
      return;
    }
    partial += piece;
    if (partial.length > maxLine) {
      dropped = partial.length - CUT_KEEP;
      partial = partial.slice(0, CUT_KEEP);
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
      if (partial !== '' || dropped > 0) emit(partial, false);
      partial = '';
    },
    tail: () => tail.slice(-tailChars),
  };
}
