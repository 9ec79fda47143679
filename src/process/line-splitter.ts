import { StringDecoder } from 'node:string_decoder';

/** Feeds byte chunks in, gets whole lines out (without the `\n`), and keeps a short tail. */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Emits a last line that had no `\n`. */
  end(): void;
  /** The last `tailChars` characters seen. */
  tail(): string;
}

/** Splits a byte stream into UTF-8 lines; a multi-byte character cut by a chunk stays whole. */
export function createLineSplitter(onLine: (line: string) => void, tailChars = 4096): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let tail = '';
  const take = (text: string): void => {
    tail += text;
    // Trim lazily: slicing on every chunk would copy the tail each time.
    if (tail.length > tailChars * 2) tail = tail.slice(-tailChars);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  return {
    push: (chunk) => take(decoder.write(chunk)),
    end: () => {
      take(decoder.end());
      if (partial !== '') onLine(partial);
      partial = '';
    },
    tail: () => tail.slice(-tailChars),
  };
}
