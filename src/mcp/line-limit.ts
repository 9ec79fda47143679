import { PassThrough, type Readable } from 'node:stream';

/**
 * The longest MCP message line read, in bytes (10 MiB, the SDK's own buffer limit): a client
 * sending one line without end cannot grow the server's memory past it.
 */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Passes `input` on whole line by whole line, holding at most `maxBytes` of a line: a longer
 * line is counted, not kept, and dropped with its newline; `onTooLong` is told its length once
 * it ends (or the input does). Everything else reaches the returned stream unchanged; destroy
 * it to let go of `input`.
 */
export function limitLines(input: Readable, maxBytes: number, onTooLong: (bytes: number) => void): Readable {
  const out = new PassThrough();
  let held: Buffer[] = [];
  let heldBytes = 0;
  /** Bytes of the current line so far when it is over the limit (0: it is not). */
  let dropping = 0;
  const add = (piece: Buffer): void => {
    if (dropping > 0) dropping += piece.length;
    else if (heldBytes + piece.length > maxBytes) {
      dropping = heldBytes + piece.length;
      held = [];
      heldBytes = 0;
    } else if (piece.length > 0) {
      held.push(piece);
      heldBytes += piece.length;
    }
  };
  const lineEnds = (): void => {
    if (dropping > 0) {
      onTooLong(dropping);
      dropping = 0;
      return;
    }
    held.push(Buffer.from('\n'));
    out.write(Buffer.concat(held));
    held = [];
    heldBytes = 0;
  };
  const onData = (chunk: Buffer | string) => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let from = 0;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, from)) {
      add(data.subarray(from, nl));
      lineEnds();
      from = nl + 1;
    }
    add(data.subarray(from));
  };
  input.on('data', onData);
  // Destroyed by its reader: `input` is let go (paused, as the SDK's transport leaves stdin when
  // it closes), so an open stdin keeps no process alive.
  out.once('close', () => {
    input.off('data', onData);
    input.pause();
  });
  input.once('end', () => {
    if (dropping > 0) onTooLong(dropping);
    else if (heldBytes > 0) out.write(Buffer.concat(held));
    out.end();
  });
  input.once('close', () => out.end());
  input.on('error', (error) => out.destroy(error));
  return out;
}
