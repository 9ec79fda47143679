import { StringDecoder } from 'node:string_decoder';

/** Feeds byte chunks in, gets whole lines out (without the `\n`), and keeps a short tail. */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Emits a last line that had no `\n`. */
  end(): void;
  /** The last `tailChars` characters of the lines emitted so far, each followed by its `\n`. */
  tail(): string;
}

/** Options of {@link createLineSplitter}. */
export interface LineSplitterOptions {
  /** Characters kept for {@link LineSplitter.tail}; default 4096. */
  tailChars?: number;
  /** Applied to each whole line before `onLine` and the tail see it (redaction). */
  transform?: (line: string) => string;
}

/**
 * Splits a byte stream into UTF-8 lines; a multi-byte character cut by a chunk stays whole.
 * Lines are transformed only once whole, so a secret split across chunks is still found.
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  options: LineSplitterOptions = {},
): LineSplitter {
  const tailChars = options.tailChars ?? 4096;
  const transform = options.transform ?? ((line: string) => line);
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let tail = '';
  const emit = (raw: string, newline: boolean): void => {
    const line = transform(raw);
    tail += newline ? `${line}\n` : line;
    // Trim lazily: slicing on every line would copy the tail each time.
    if (tail.length > tailChars * 2) tail = tail.slice(-tailChars);
    onLine(line);
  };
  const take = (text: string): void => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) emit(line, true);
  };
  return {
    push: (chunk) => take(decoder.write(chunk)),
    end: () => {
      take(decoder.end());
      if (partial !== '') emit(partial, false);
      partial = '';
    },
    tail: () => tail.slice(-tailChars),
  };
}
